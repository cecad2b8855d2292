/**
 * The default deployment (cdk.json-like context, Pod Identity), synthesized once with the
 * real function entries bundled by esbuild, checked property by property.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { FunctionEnvSchema } from "../../shared/config.ts";
import { FUNCTIONS, type FunctionId, INCIDENTS_TABLE, QUEUES } from "../../shared/resources.ts";
import { ANALYZE_KUBERNETES_GROUP } from "../../infra/oomwatch-stack.ts";
import { BASE_CONTEXT, type CfnJson, resourcesOf, type Synthesized, synthesize } from "./synth.ts";

const EKS_ENDPOINT = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com";
let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthesize({
    context: {
      ...BASE_CONTEXT,
      "oomwatch:kubernetesAuth": "eks",
      "oomwatch:eksClusterEndpoint": EKS_ENDPOINT,
      "oomwatch:eksClusterCa": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
      "oomwatch:analyzeAccessEntry": "true",
    },
  });
  template = synth.template;
});

const logicalId = (construct: IConstruct) => synth.logicalId(construct);
const getAtt = (id: string, attr: string) => ({ "Fn::GetAtt": [id, attr] });
const fnIds: FunctionId[] = ["ingest", "analyze", "notify"];

function functionProps(id: FunctionId): Record<string, CfnJson> {
  const props = resourcesOf(template, "AWS::Lambda::Function").find(([lid]) => lid === logicalId(synth.stack.functions[id].function));
  if (!props) throw new Error(`no function ${id}`);
  return props[1];
}

/** Every statement of every identity policy in the template, with the roles it is attached to. */
function statements(): { roles: string[]; statement: Record<string, CfnJson> }[] {
  return resourcesOf(template, "AWS::IAM::Policy").flatMap(([, p]) =>
    (p.PolicyDocument.Statement as Record<string, CfnJson>[]).map((statement) => ({
      roles: (p.Roles as { Ref: string }[]).map((r) => r.Ref),
      statement,
    })),
  );
}
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe("queues", () => {
  it("has each queue with SSE, its DLQ, redrive and the shared settings", () => {
    for (const [id, def] of Object.entries(QUEUES)) {
      const pair = synth.stack.queues.byId[id as keyof typeof QUEUES];
      template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: def.name,
        SqsManagedSseEnabled: true,
        VisibilityTimeout: def.visibilityTimeoutSeconds,
        MessageRetentionPeriod: def.retentionSeconds,
        RedrivePolicy: { deadLetterTargetArn: getAtt(logicalId(pair.dlq), "Arn"), maxReceiveCount: def.maxReceiveCount },
      });
      template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: def.dlqName,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: def.dlqRetentionSeconds,
      });
    }
    // A weekend outage (Friday evening to Monday morning) must not expire messages.
    for (const def of Object.values(QUEUES)) expect(def.retentionSeconds).toBeGreaterThanOrEqual(3 * 24 * 3600);
  });

  it("denies non-TLS access on every queue", () => {
    const queues = resourcesOf(template, "AWS::SQS::Queue").map(([id]) => id);
    const enforced = resourcesOf(template, "AWS::SQS::QueuePolicy")
      .filter(([, p]) =>
        p.PolicyDocument.Statement.some(
          (s: CfnJson) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false" && s.Principal?.AWS === "*",
        ),
      )
      .flatMap(([, p]) => p.Queues.map((q: { Ref: string }) => q.Ref));
    expect(queues).toHaveLength(6);
    expect(new Set(enforced)).toEqual(new Set(queues));
  });

  it("gives every event-source queue a visibility timeout of at least 6x its consumer's timeout", () => {
    const queues = Object.fromEntries(resourcesOf(template, "AWS::SQS::Queue"));
    const functions = Object.fromEntries(resourcesOf(template, "AWS::Lambda::Function"));
    const mappings = resourcesOf(template, "AWS::Lambda::EventSourceMapping");
    expect(mappings).toHaveLength(3);
    for (const [, m] of mappings) {
      const queue = queues[m.EventSourceArn["Fn::GetAtt"][0]];
      const fn = functions[m.FunctionName.Ref];
      expect(queue && fn).toBeTruthy();
      expect(queue!.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn!.Timeout);
    }
  });
});

describe("functions", () => {
  it("runs each function on arm64 on Node.js 22 (nodejs22.x, the runtime the tests run on) and the shared sizes", () => {
    for (const id of fnIds) {
      const p = functionProps(id);
      expect(p.Architectures).toEqual(["arm64"]);
      expect(p.Runtime).toMatch(/^nodejs22\.x$/);
      expect(p.MemorySize).toBe(FUNCTIONS[id].memoryMb);
      expect(p.Timeout).toBe(FUNCTIONS[id].timeoutSeconds);
      expect(p.Handler).toBe("index.handler");
      expect(p.Environment.Variables).toMatchObject({
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: `oomwatch-${id}`,
        POWERTOOLS_METRICS_NAMESPACE: "oomwatch",
        POWERTOOLS_LOG_LEVEL: "INFO",
      });
      expect(p.LoggingConfig).toMatchObject({ LogFormat: "JSON", LogGroup: { Ref: logicalId(synth.stack.functions[id].logGroup) } });
    }
    const retentions = resourcesOf(template, "AWS::Logs::LogGroup").map(([, p]) => p.RetentionInDays);
    expect(retentions).toEqual([30, 30, 30, 30]); // ingest, analyze, notify and the resolver
  });

  it("ships each handler as a minified ESM bundle with a source map, built by local esbuild", () => {
    for (const id of fnIds) {
      const key: string = functionProps(id).Code.S3Key;
      const dir = join(synth.assemblyDir, `asset.${key.replace(/\.zip$/, "")}`);
      const code = readFileSync(join(dir, "index.mjs"), "utf8");
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(dir, "index.mjs.map"))).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\b/);
      // Minified: whitespace is ~2-3% of the bundle (an unminified bundle is over 20%).
      const whitespace = code.replace(/[^ \t\n]/g, "").length;
      expect(whitespace / code.length).toBeLessThan(0.08);
    }
  });

  it("consumes each queue with partial batch failures and the shared batch settings", () => {
    for (const id of fnIds) {
      const def = FUNCTIONS[id];
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: getAtt(logicalId(synth.stack.queues.byId[def.queue].queue), "Arn"),
        FunctionName: { Ref: logicalId(synth.stack.functions[id].function) },
        BatchSize: def.batchSize,
        MaximumBatchingWindowInSeconds: def.maxBatchingWindowSeconds > 0 ? def.maxBatchingWindowSeconds : Match.absent(),
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        ScalingConfig: { MaximumConcurrency: def.maxConcurrency },
      });
    }
  });

  it("sets environment variables the handlers' config contract accepts", () => {
    const known = new Set([...Object.keys(FunctionEnvSchema.shape), "NODE_OPTIONS"]);
    for (const id of fnIds) {
      const vars: Record<string, unknown> = functionProps(id).Environment.Variables;
      const unknownKeys = Object.keys(vars).filter((k) => !known.has(k) && !k.startsWith("POWERTOOLS_"));
      expect(unknownKeys).toEqual([]);
      // Tokens resolve at deploy time; stand in a string for each so the schema can be applied.
      const asStrings = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === "string" ? v : `resolved-${k}`]));
      const parsed = FunctionEnvSchema.safeParse(asStrings);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    }
    expect(Object.keys(functionProps("ingest").Environment.Variables)).toEqual(expect.arrayContaining(["INCIDENTS_TABLE", "EVENTS_DLQ_URL", "ANALYZE_QUEUE_URL"]));
    expect(Object.keys(functionProps("analyze").Environment.Variables)).toEqual(expect.arrayContaining(["NOTIFY_QUEUE_URL", "ANALYZE_QUEUE_URL"]));
    expect(functionProps("analyze").Environment.Variables).toMatchObject({ EKS_CLUSTER_NAME: "prod-eks", EKS_CLUSTER_ENDPOINT: EKS_ENDPOINT });
    const notify = functionProps("notify").Environment.Variables;
    expect(notify).toMatchObject({
      OOMWATCH_CLUSTER: "prod-eks",
      SLACK_DEFAULT_CHANNEL: "#oom-alerts",
      SLACK_OPS_CHANNEL: "#ops-oncall",
      SLACK_OPS_MENTION: "@oncall-sre",
      EVENT_BUS_NAME: { Ref: logicalId(synth.stack.severityEvents.bus) },
    });
    expect(JSON.parse(notify.SLACK_CHANNEL_MAP)).toEqual({ payments: "#payments-oncall" });
  });

  it("passes secrets by ARN only, never as values", () => {
    const secretIds = resourcesOf(template, "AWS::SecretsManager::Secret").map(([id]) => id);
    expect(secretIds).toHaveLength(1);
    for (const id of fnIds) {
      const vars: Record<string, unknown> = functionProps(id).Environment.Variables;
      expect(vars).not.toHaveProperty("SLACK_TOKEN");
      expect(vars).not.toHaveProperty("KUBECONFIG");
      for (const [key, value] of Object.entries(vars)) {
        if (/SECRET|TOKEN|KUBECONFIG/.test(key)) {
          expect(key).toMatch(/_SECRET_ARN$/);
          expect(secretIds).toContain((value as { Ref: string }).Ref);
        }
        expect(JSON.stringify(value)).not.toMatch(/xox[abp]-|SecretString|BEGIN CERTIFICATE/);
      }
    }
    expect(functionProps("notify").Environment.Variables.SLACK_TOKEN_SECRET_ARN).toEqual({ Ref: secretIds[0] });
  });
});

describe("tables", () => {
  it("creates the incidents table with its keys, indexes, TTL, PITR and encryption", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      TableName: INCIDENTS_TABLE.name,
      KeySchema: [
        { AttributeName: INCIDENTS_TABLE.partitionKey, KeyType: "HASH" },
        { AttributeName: INCIDENTS_TABLE.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: Object.values(INCIDENTS_TABLE.indexes).map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: "HASH" },
          { AttributeName: i.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      })),
      TimeToLiveSpecification: { AttributeName: INCIDENTS_TABLE.ttlAttribute, Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      SSESpecification: { SSEEnabled: true },
    });
    template.hasResource("AWS::DynamoDB::GlobalTable", { Properties: Match.objectLike({ TableName: INCIDENTS_TABLE.name }), DeletionPolicy: "Retain" });
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", 1);
  });
});

describe("IAM", () => {
  it("lets the forwarder role do nothing but sqs:SendMessage on the events queue, assumed via Pod Identity", () => {
    const role = logicalId(synth.stack.forwarder.role);
    const granted = statements().filter((s) => s.roles.includes(role));
    expect(granted.map((s) => s.statement)).toEqual([
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: getAtt(logicalId(synth.stack.queues.byId.events.queue), "Arn") },
    ]);
    const [, props] = resourcesOf(template, "AWS::IAM::Role").find(([id]) => id === role)!;
    expect(props.ManagedPolicyArns).toBeUndefined();
    expect(props.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }),
    ]);
    template.hasResourceProperties("AWS::EKS::PodIdentityAssociation", {
      ClusterName: "prod-eks",
      Namespace: "oomwatch",
      ServiceAccount: "oomwatch-forwarder",
      RoleArn: getAtt(role, "Arn"),
    });
  });

  it("maps analyze's role to the read-only Kubernetes group, with no AWS-side EKS permission needed", () => {
    const analyzeRole = logicalId(synth.stack.functions.analyze.role);
    template.hasResourceProperties("AWS::EKS::AccessEntry", {
      ClusterName: "prod-eks",
      PrincipalArn: getAtt(analyzeRole, "Arn"),
      KubernetesGroups: [ANALYZE_KUBERNETES_GROUP],
      Type: "STANDARD",
    });
    template.resourcePropertiesCountIs("AWS::EKS::AccessEntry", { AccessPolicies: Match.anyValue() }, 0);
    // The EKS token is a presigned sts:GetCallerIdentity, which needs no IAM permission.
    expect(statements().filter((s) => asList(s.statement.Action).some((a: string) => a.startsWith("eks:")))).toEqual([]);
  });

  it("uses no wildcard actions and no wildcard resources", () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(10);
    for (const { statement } of all) {
      for (const action of asList(statement.Action)) expect(action).not.toContain("*");
      for (const resource of asList(statement.Resource)) expect(resource).not.toBe("*");
    }
  });

  it("lets each function hand a contended record back early: ChangeMessageVisibility and GetQueueUrl on its own queue only", () => {
    for (const id of fnIds) {
      const role = logicalId(synth.stack.functions[id].role);
      const ownQueue = getAtt(logicalId(synth.stack.queues.byId[FUNCTIONS[id].queue].queue), "Arn");
      const onResources = (action: string) =>
        statements()
          .filter((s) => s.roles.includes(role) && asList(s.statement.Action).includes(action))
          .flatMap((s) => asList(s.statement.Resource));
      expect(onResources("sqs:ChangeMessageVisibility"), id).toEqual([ownQueue]);
      expect(onResources("sqs:GetQueueUrl"), id).toContainEqual(ownQueue);
    }
  });

  it("grants PutEvents to notify only, and the Slack secret to notify only", () => {
    const notifyRole = logicalId(synth.stack.functions.notify.role);
    const holders = (action: string) => statements().filter((s) => asList(s.statement.Action).includes(action)).flatMap((s) => s.roles);
    expect(holders("events:PutEvents")).toEqual([notifyRole]);
    expect(holders("secretsmanager:GetSecretValue")).toEqual([notifyRole]);
  });
});

describe("the resolver", () => {
  it("runs every minute from a schedule rule that may invoke only it, and may only use the table and send to notify", () => {
    const fn = logicalId(synth.stack.resolver.function);
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [Match.objectLike({ Arn: getAtt(fn, "Arn") })],
    });
    template.hasResourceProperties("AWS::Lambda::Permission", { FunctionName: getAtt(fn, "Arn"), Principal: "events.amazonaws.com" });
    const role = logicalId(synth.stack.resolver.role);
    const actions = statements()
      .filter((s) => s.roles.includes(role))
      .flatMap((s) => asList(s.statement.Action) as string[]);
    expect(actions.some((a) => a.startsWith("dynamodb:"))).toBe(true);
    expect(actions).toContain("sqs:SendMessage");
    expect(actions.filter((a) => !a.startsWith("dynamodb:") && !a.startsWith("sqs:") && !a.startsWith("logs:"))).toEqual([]);
    expect(actions.filter((a) => a.startsWith("sqs:") && !["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"].includes(a))).toEqual([]);
  });
});

describe("events, alarms and outputs", () => {
  it("creates a custom bus and an example rule for Level 3 events", () => {
    template.resourceCountIs("AWS::Events::EventBus", 1);
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: { Ref: logicalId(synth.stack.severityEvents.bus) },
      EventPattern: Match.objectLike({ source: ["oomwatch"], "detail-type": ["oomwatch.incident.level3"], detail: { level: [3] } }),
      Targets: [Match.objectLike({ Arn: { Ref: logicalId(synth.stack.alarmTopic.topic) } })],
    });
  });

  it("alarms on DLQ messages, queue age, function errors and throttles to an encrypted topic", () => {
    const topic = { Ref: logicalId(synth.stack.alarmTopic.topic) };
    const alarms = resourcesOf(template, "AWS::CloudWatch::Alarm").map(([, p]) => p);
    const on = (metric: string, dimensionValue: unknown) =>
      alarms.filter((a) => a.MetricName === metric && JSON.stringify(a.Dimensions[0].Value) === JSON.stringify(dimensionValue) && JSON.stringify(a.AlarmActions) === JSON.stringify([topic]));
    for (const pair of Object.values(synth.stack.queues.byId)) {
      const [dlq] = on("ApproximateNumberOfMessagesVisible", getAtt(logicalId(pair.dlq), "QueueName"));
      expect(dlq).toMatchObject({ Threshold: 0, ComparisonOperator: "GreaterThanThreshold" });
      expect(on("ApproximateAgeOfOldestMessage", getAtt(logicalId(pair.queue), "QueueName"))).toHaveLength(1);
    }
    const alarmed = [...fnIds.map((id) => synth.stack.functions[id].function), synth.stack.resolver.function];
    for (const fnConstruct of alarmed) {
      const fn = { Ref: logicalId(fnConstruct) };
      expect(on("Errors", fn)).toHaveLength(1);
      expect(on("Throttles", fn)).toHaveLength(1);
    }
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]) },
    });
    const emails = resourcesOf(template, "AWS::SNS::Subscription").map(([, p]) => [p.Protocol, p.Endpoint]);
    expect(emails).toEqual([
      ["email", "sre@example.com"],
      ["email", "oncall@example.com"],
    ]);
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });

  it("outputs what the forwarder deployment and the operator need", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.EventsQueueUrl?.Value).toEqual({ Ref: logicalId(synth.stack.queues.byId.events.queue) });
    expect(outputs.ForwarderRoleArn?.Value).toEqual(getAtt(logicalId(synth.stack.forwarder.role), "Arn"));
    expect(outputs.SlackTokenSecretArn?.Value).toEqual({ Ref: logicalId(synth.stack.secrets.slackToken) });
    expect(outputs.IncidentsTableName?.Value).toEqual({ Ref: logicalId(synth.stack.tables.incidents) });
  });
});

describe("cdk-nag", () => {
  it("reports no unacknowledged AwsSolutions findings", () => {
    expect(synth.nag.violations).toEqual([]);
    expect(synth.nag.success).toBe(true);
  });
});
