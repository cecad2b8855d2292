/**
 * One pipeline function: a NodejsFunction bundled by the locally installed esbuild, its
 * own log group and execution role, and the SQS event source it consumes, all sized from
 * shared/resources.ts FUNCTIONS so Lambda and the sandbox's runner behave alike.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import { FUNCTIONS, type FunctionId, RESOLVER } from "../../shared/resources.ts";
import { FUNCTION_BUNDLING, FUNCTION_NODE_OPTIONS } from "../../shared/function-bundling.ts";

/** Where the functions run inside a VPC (to reach a private EKS API endpoint). */
export interface FunctionPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface PipelineFunctionProps {
  /** `resolve` runs on RESOLVER's schedule instead of consuming a queue. */
  readonly functionId: FunctionId | "resolve";
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  /** Absolute path of the repository root (package-lock.json lives there). */
  readonly projectRoot: string;
  /** The queue a pipeline function consumes; none for `resolve`. */
  readonly source?: sqs.IQueue;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  readonly placement?: FunctionPlacement;
}

/** Current Node.js LTS on Lambda; esbuild targets the same version. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;


/** NodejsFunction silently falls back to Docker when esbuild is missing: fail instead, with the fix. */
function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve("esbuild");
  } catch {
    throw new Error("esbuild is not installed: run `npm ci` (oomwatch bundles its functions with the local esbuild, never Docker)");
  }
}

export class PipelineFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const scheduled = props.functionId === "resolve";
    const def = props.functionId === "resolve" ? RESOLVER : FUNCTIONS[props.functionId];
    if (!existsSync(props.entry)) {
      throw new Error(`oomwatch ${props.functionId} function entry not found: ${props.entry} (expected functions/${props.functionId}/handler.ts exporting \`handler\`)`);
    }
    assertLocalEsbuild();

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Own role instead of AWSLambdaBasicExecutionRole: it may write only to its own log group.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `oomwatch ${props.functionId} function`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.placement) {
      this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaVPCAccessExecutionRole"));
      Validations.of(this.role).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
        reason: "Only with VPC placement: the ENI permissions Lambda needs to attach to the configured subnets; AWS maintains this minimal policy (ec2 network-interface actions only).",
      });
    }

    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: FUNCTION_RUNTIME,
      // Graviton: same code, about 20% cheaper per GB-second than x86.
      architecture: lambda.Architecture.ARM_64,
      // Sizes come from shared/resources.ts, where each is justified per function (batch cost,
      // Kubernetes API round trips for analyze); Lambda CPU scales with memory, so 512 MB+ also
      // keeps cold starts of the bundled AWS SDK short.
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[props.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      description: scheduled ? `oomwatch ${props.functionId}: every ${RESOLVER.everyMinutes} min` : `oomwatch ${props.functionId}: consumes the ${FUNCTIONS[props.functionId as FunctionId].queue} queue`,
      environment: {
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        ...props.environment,
      },
      // One bundling definition for the CDK app and the cold-start benchmark; local esbuild, never Docker.
      bundling: { ...FUNCTION_BUNDLING, mainFields: [...FUNCTION_BUNDLING.mainFields], format: nodejs.OutputFormat.ESM, forceDockerBundling: false },
      ...(props.placement ?? {}),
    });

    Validations.of(this.function).acknowledge({
      id: "AwsSolutions-L1",
      reason: `Pinned to ${FUNCTION_RUNTIME.name} (a supported LTS), the version esbuild targets and the project tests on; moving to a newer runtime is a deliberate, tested change, not a synth-time default.`,
    });

    if (props.functionId === "resolve") {
      // The schedule rule may invoke only this function (the target adds that one permission).
      new events.Rule(this, "Schedule", {
        description: "oomwatch: resolve incidents quiet for their group window",
        schedule: events.Schedule.rate(Duration.minutes(RESOLVER.everyMinutes)),
        targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
      });
      return;
    }
    if (!props.source) throw new Error(`oomwatch ${props.functionId} function needs its source queue`);
    const queued = FUNCTIONS[props.functionId];
    this.function.addEventSource(
      new SqsEventSource(props.source, {
        batchSize: queued.batchSize,
        ...(queued.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(queued.maxBatchingWindowSeconds) } : {}),
        maxConcurrency: queued.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
