/**
 * The oomwatch stack: queues → functions → table, Slack secret, severity events, alarms and
 * the forwarder's role. Environment-agnostic and lookup-free, so `cdk synth` works offline.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as eks from "aws-cdk-lib/aws-eks";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { FUNCTIONS, type FunctionId, INCIDENTS_TABLE } from "../shared/resources.ts";
import { eksClusterName, type OomwatchSettings, type OomwatchSettingsInput, parseSettings } from "./config.ts";
import { AlarmTopic } from "./constructs/alarm-topic.ts";
import { ForwarderRole, type ForwarderAuth } from "./constructs/forwarder-role.ts";
import { IncidentTables } from "./constructs/incident-tables.ts";
import { PipelineAlarms } from "./constructs/pipeline-alarms.ts";
import { type FunctionPlacement, PipelineFunction } from "./constructs/pipeline-function.ts";
import { PipelineQueues } from "./constructs/pipeline-queues.ts";
import { RuntimeSecrets } from "./constructs/runtime-secrets.ts";
import { SeverityEvents } from "./constructs/severity-events.ts";
import { functionEnvironments } from "./function-environment.ts";

/** Kubernetes group analyze's role is mapped to; infra/k8s/analyze-reader.yaml binds it read-only. */
export const ANALYZE_KUBERNETES_GROUP = "oomwatch-analyze";

/**
 * The operations each queue-driven handler calls on the incidents table itself (the base table's
 * ARN). Index queries are granted separately on the index ARNs, in grantPipelineAccess: analyze's
 * byWorkload/byNode lookups and the resolver's byOpen query.
 */
const TABLE_ACTIONS: Readonly<Record<FunctionId, readonly string[]>> = {
  ingest: ["GetItem", "BatchGetItem", "BatchWriteItem", "PutItem", "UpdateItem", "Query"],
  analyze: ["GetItem", "UpdateItem", "Query"],
  notify: ["GetItem", "UpdateItem"],
};

/** Repository root: entries and package-lock.json are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface OomwatchStackProps extends StackProps {
  /** Validated with zod at construction; context keys `oomwatch:<name>` feed the same fields. */
  readonly settings: OomwatchSettingsInput;
  /** Run the functions in this VPC (overrides `settings.vpc`), e.g. to reach a private EKS API. */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Handler modules; defaults to functions/<id>/handler.ts in the repository. */
  readonly entries?: Partial<Record<FunctionId, string>>;
}

export class OomwatchStack extends Stack {
  readonly settings: OomwatchSettings;
  readonly queues: PipelineQueues;
  readonly tables: IncidentTables;
  readonly secrets: RuntimeSecrets;
  readonly severityEvents: SeverityEvents;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: PipelineAlarms;
  readonly functions: Readonly<Record<FunctionId, PipelineFunction>>;
  /** Resolves quiet incidents on a schedule (functions/resolve). */
  readonly resolver: PipelineFunction;
  readonly forwarder: ForwarderRole;

  constructor(scope: Construct, id: string, props: OomwatchStackProps) {
    super(scope, id, { description: "oomwatch: Kubernetes out-of-memory incidents pipeline", ...props });
    const settings = parseSettings(props.settings);
    this.settings = settings;
    const prefix = settings.namePrefix;

    this.queues = new PipelineQueues(this, "Queues", { namePrefix: prefix });
    this.tables = new IncidentTables(this, "Tables", { namePrefix: prefix });
    this.secrets = new RuntimeSecrets(this, "Secrets", {
      namePrefix: prefix,
      slackTokenSecretArn: settings.slackTokenSecretArn,
      withKubeconfig: settings.kubernetesAuth === "kubeconfig",
    });
    this.alarmTopic = new AlarmTopic(this, "AlarmTopic", { emails: settings.alarmEmails });
    this.severityEvents = new SeverityEvents(this, "SeverityEvents", {
      busName: settings.eventBus,
      namePrefix: prefix,
      level3Topic: this.alarmTopic.topic,
    });

    const q = this.queues.byId;
    const environments = functionEnvironments(settings, {
      incidentsTable: this.tables.incidents.tableName,
      eventsDlqUrl: q.events.dlq.queueUrl,
      analyzeQueueUrl: q.analyze.queue.queueUrl,
      analyzeDlqUrl: q.analyze.dlq.queueUrl,
      notifyQueueUrl: q.notify.queue.queueUrl,
      notifyDlqUrl: q.notify.dlq.queueUrl,
      eventBusName: this.severityEvents.bus.eventBusName,
      slackTokenSecretArn: this.secrets.slackToken.secretArn,
      kubeconfigSecretArn: this.secrets.kubeconfig?.secretArn,
    });
    const placement = this.placement(props);
    const make = (functionId: FunctionId, constructId: string) =>
      new PipelineFunction(this, constructId, {
        functionId,
        entry: props.entries?.[functionId] ?? join(PROJECT_ROOT, "functions", functionId, "handler.ts"),
        projectRoot: PROJECT_ROOT,
        source: q[FUNCTIONS[functionId].queue].queue,
        environment: environments[functionId],
        logRetention: settings.logRetentionDays,
        logLevel: settings.logLevel,
        placement,
      });
    this.functions = { ingest: make("ingest", "Ingest"), analyze: make("analyze", "Analyze"), notify: make("notify", "Notify") };
    this.resolver = new PipelineFunction(this, "Resolve", {
      functionId: "resolve",
      entry: join(PROJECT_ROOT, "functions", "resolve", "handler.ts"),
      projectRoot: PROJECT_ROOT,
      environment: environments.resolve,
      logRetention: settings.logRetentionDays,
      logLevel: settings.logLevel,
      placement,
    });
    this.grantPipelineAccess();

    this.alarms = new PipelineAlarms(this, "Alarms", {
      queues: q,
      functions: {
        ingest: this.functions.ingest.function,
        analyze: this.functions.analyze.function,
        notify: this.functions.notify.function,
        resolve: this.resolver.function,
      },
      topic: this.alarmTopic.topic,
      maxMessageAgeSeconds: settings.maxMessageAgeSeconds,
    });

    this.forwarder = new ForwarderRole(this, "Forwarder", {
      auth: this.forwarderAuth(),
      namespace: settings.forwarderNamespace,
      serviceAccount: settings.forwarderServiceAccount,
      eventsQueue: q.events.queue,
    });

    this.outputs();
  }

  /**
   * Each function gets exactly what its handler calls, and nothing CDK's broader grant helpers
   * would add (index ARNs no handler queries, streams, DescribeTable, GetQueueUrl, DescribeSecret):
   * test/sandbox/iam-by-use.test.ts records every call of a sandbox run and proves both ways.
   */
  private grantPipelineAccess(): void {
    const q = this.queues.byId;
    // Handing a contended record back early (shared/release-record.ts) needs sqs:GetQueueUrl and
    // sqs:ChangeMessageVisibility on the function's own queue: the SQS event source's consume grant
    // already gives both (test/infra/stack.test.ts checks it), so nothing is added here.
    const fns = this.functions;
    for (const id of Object.keys(fns) as FunctionId[]) {
      iam.Grant.addToPrincipal({
        grantee: fns[id].role,
        actions: TABLE_ACTIONS[id].map((a) => `dynamodb:${a}`),
        resourceArns: [this.tables.incidents.tableArn],
      });
    }
    const send = (queue: IQueue, fn: PipelineFunction) => queue.grant(fn.role, "sqs:SendMessage");
    // Each function moves poison records straight to its input DLQ, with the reason.
    send(q.events.dlq, fns.ingest);
    send(q.analyze.dlq, fns.analyze);
    send(q.notify.dlq, fns.notify);
    send(q.analyze.queue, fns.ingest);
    send(q.analyze.queue, fns.analyze); // correlation re-analysis
    send(q.notify.queue, fns.analyze);
    const readSecret = (secretArn: string, fn: PipelineFunction) =>
      iam.Grant.addToPrincipal({ grantee: fn.role, actions: ["secretsmanager:GetSecretValue"], resourceArns: [secretArn] });
    readSecret(this.secrets.slackToken.secretArn, fns.notify);
    this.severityEvents.bus.grantPutEventsTo(fns.notify.role);
    if (this.secrets.kubeconfig) readSecret(this.secrets.kubeconfig.secretArn, fns.analyze);
    // The opening analysis looks up the group's earlier incidents on the workload's or the node's index
    // (functions/analyze/previous-incident.ts).
    const index = (name: keyof typeof INCIDENTS_TABLE.indexes) => `${this.tables.incidents.tableArn}/index/${INCIDENTS_TABLE.indexes[name].name}`;
    iam.Grant.addToPrincipal({ grantee: fns.analyze.role, actions: ["dynamodb:Query"], resourceArns: [index("byWorkload"), index("byNode")] });
    // The resolver queries the byOpen index, reads the due node incidents' pressure states, marks
    // incidents resolved and hands them to notify: nothing else.
    iam.Grant.addToPrincipal({ grantee: this.resolver.role, actions: ["dynamodb:Query"], resourceArns: [index("byOpen")] });
    iam.Grant.addToPrincipal({ grantee: this.resolver.role, actions: ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"], resourceArns: [this.tables.incidents.tableArn] });
    send(q.notify.queue, this.resolver);
    if (this.settings.analyzeAccessEntry) {
      new eks.CfnAccessEntry(this, "AnalyzeAccessEntry", {
        clusterName: eksClusterName(this.settings),
        principalArn: fns.analyze.role.roleArn,
        kubernetesGroups: [ANALYZE_KUBERNETES_GROUP],
        type: "STANDARD",
      });
    }
  }

  private forwarderAuth(): ForwarderAuth {
    const s = this.settings;
    if (s.forwarderAuth === "irsa") {
      // parseSettings guarantees both for irsa.
      return { mode: "irsa", oidcProviderArn: s.oidcProviderArn!, oidcIssuer: s.oidcIssuer! };
    }
    return {
      mode: "pod-identity",
      associateWithCluster: s.createPodIdentityAssociation ? eksClusterName(this.settings) : undefined,
    };
  }

  private outputs(): void {
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out("EventsQueueUrl", this.queues.byId.events.queue.queueUrl, "forwarder: EVENTS_QUEUE_URL (or --queue-url)");
    out("ForwarderRoleArn", this.forwarder.role.roleArn, "forwarder ServiceAccount role (IRSA annotation or Pod Identity association)");
    out("SlackTokenSecretArn", this.secrets.slackToken.secretArn, "put the Slack bot token here (aws secretsmanager put-secret-value)");
    out("IncidentsTableName", this.tables.incidents.tableName, "incidents table (oomwatch incidents --table)");
    out("AnalyzeRoleArn", this.functions.analyze.role.roleArn, "map to read-only Kubernetes access (EKS access entry or aws-auth)");
    out("EventBusName", this.severityEvents.bus.eventBusName, "severity events (source oomwatch)");
    out("AlarmTopicArn", this.alarmTopic.topic.topicArn, "alarms and Level 3 events");
    if (this.secrets.kubeconfig) out("KubeconfigSecretArn", this.secrets.kubeconfig.secretArn, "put the analyze kubeconfig here");
  }

  /** VPC placement from props, or from `settings.vpc` ids (no lookup: synth stays offline). */
  private placement(props: OomwatchStackProps): FunctionPlacement | undefined {
    if (props.vpc) {
      const vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
      return { vpc: props.vpc, vpcSubnets, securityGroups: [this.httpsEgressGroup(props.vpc)] };
    }
    const ids = this.settings.vpc;
    if (!ids) return undefined;
    // Fn.getAzs() is a single list token, so any number of subnets fits; subnets are then
    // selected explicitly by id, so the AZs are never consulted.
    const vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", { vpcId: ids.vpcId, availabilityZones: Fn.getAzs() });
    const vpcSubnets = { subnets: ids.subnetIds.map((id) => ec2.Subnet.fromSubnetId(this, `Subnet-${id}`, id)) };
    const securityGroups = ids.securityGroupIds?.map((id) => ec2.SecurityGroup.fromSecurityGroupId(this, `Sg-${id}`, id));
    return { vpc, vpcSubnets, securityGroups: securityGroups ?? [this.httpsEgressGroup(vpc)] };
  }

  /** The functions only call out (AWS APIs, Slack, the EKS API), always over HTTPS. */
  private httpsEgressGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, "FunctionsSecurityGroup", {
      vpc,
      description: "oomwatch functions: HTTPS egress only",
      allowAllOutbound: false,
    });
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "AWS APIs, Slack and the EKS API over HTTPS");
    return group;
  }
}
