/**
 * IAM proven by use. A sandbox run records every AWS API call each function and the
 * forwarder makes (sandbox/pipeline/aws-calls.ts); the synthesized stack must then
 * 1. allow each recorded call to its caller's role, on that resource, and
 * 2. grant nothing that no recorded call needs, except what the documented allowlist
 *    below needs for a stated reason (work the Lambda service does with the role, or a
 *    path the sandbox takes differently from AWS).
 * Generic over the functions of shared/resources.ts: a new function or a new call is covered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { playScenario, loadScenario } from "../../sandbox/k8s-sim/scenario.ts";
import type { AwsCall } from "../../sandbox/pipeline/aws-calls.ts";
import { startPipeline } from "../../sandbox/pipeline.ts";
import { FUNCTIONS, type FunctionId } from "../../shared/resources.ts";
import { FAULT_STORM_FILE, STORM_SPEED } from "../faults/support/run.ts";
import { BASE_CONTEXT, type CfnJson, FIXTURE_ENTRIES, resourcesOf, type Synthesized, synthesize } from "../infra/synth.ts";

type Caller = FunctionId | "forwarder";

/** The IAM action of an API operation (batch operations are authorized as their single form). */
const IAM_ACTION: Record<string, string> = { SendMessageBatch: "SendMessage", DeleteMessageBatch: "DeleteMessage", ChangeMessageVisibilityBatch: "ChangeMessageVisibility" };
const iamAction = (call: AwsCall) => `${call.service}:${IAM_ACTION[call.operation] ?? call.operation}`;

/** A CloudFormation resource expression as a string: `arn:<logicalId>`, joins concatenated. */
function render(value: CfnJson): string {
  if (typeof value === "string") return value;
  if (value?.["Fn::GetAtt"]) return `arn:${value["Fn::GetAtt"][0]}`;
  if (value?.Ref) return `arn:${value.Ref}`;
  if (value?.["Fn::Join"]) return (value["Fn::Join"][1] as CfnJson[]).map(render).join(value["Fn::Join"][0]);
  throw new Error(`unsupported resource expression ${JSON.stringify(value)}`);
}

const glob = (pattern: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

interface Grant {
  action: string;
  resource: string;
}

interface Allowed extends Grant {
  reason: string;
}

let synth: Synthesized;
let calls: AwsCall[];
const dirs: string[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "oomwatch-iam-"));
  dirs.push(dir);
  const pipeline = await startPipeline({ dataDir: join(dir, "data"), cluster: "iam", log: () => {}, handlerLogLevel: "SILENT" });
  try {
    await playScenario(pipeline.sim!, loadScenario(FAULT_STORM_FILE), { speed: STORM_SPEED });
    // A record that can never succeed, on every queue: each function's dead-letter path is used too.
    for (const q of Object.values(pipeline.queues)) await pipeline.aws.clients.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "{not json" }));
    await pipeline.waitUntilDrained({ timeoutMs: 90_000, quietMs: 1000 });
    calls = pipeline.awsCalls();
  } finally {
    await pipeline.stop();
  }
  synth = synthesize({ context: BASE_CONTEXT, entries: FIXTURE_ENTRIES });
}, 180_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const roleOf = (caller: Caller) => synth.logicalId(caller === "forwarder" ? synth.stack.forwarder.role : synth.stack.functions[caller].role);

/** Every action x resource a role's policies grant. */
function grantsOf(caller: Caller): Grant[] {
  const role = roleOf(caller);
  return resourcesOf(synth.template, "AWS::IAM::Policy")
    .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap(([, p]) => p.PolicyDocument.Statement as CfnJson[])
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => asList<string>(s.Action).flatMap((action) => asList<CfnJson>(s.Resource).map((r) => ({ action, resource: render(r) }))));
}

/** The ARN (as `render` writes it) of the resource a call names, in the synthesized stack. */
function arnOf(call: AwsCall): string {
  if (call.queueUrl) {
    const name = call.queueUrl.split("/").pop();
    const queue = resourcesOf(synth.template, "AWS::SQS::Queue").find(([, p]) => p.QueueName === name);
    if (!queue) throw new Error(`no queue named ${name} in the stack`);
    return `arn:${queue[0]}`;
  }
  // The sandbox has the one incidents table and one event bus the stack creates.
  if (call.table) return `arn:${synth.logicalId(synth.stack.tables.incidents)}${call.index ? `/index/${call.index}` : ""}`;
  if (call.bus) return `arn:${synth.logicalId(synth.stack.severityEvents.bus)}`;
  throw new Error(`a call without a resource: ${JSON.stringify(call)}`);
}

const covers = (g: Grant, action: string, arn: string) => glob(g.action).test(action) && glob(g.resource).test(arn);

/** Grants no recorded call needs, each for a stated reason. */
function allowlist(caller: Caller): Allowed[] {
  if (caller === "forwarder") return [];
  const fn = synth.stack.functions[caller];
  const source = `arn:${synth.logicalId(synth.stack.queues.byId[FUNCTIONS[caller].queue].queue)}`;
  const list: Allowed[] = [
    ...["logs:CreateLogStream", "logs:PutLogEvents"].map((action) => ({ action, resource: `arn:${synth.logicalId(fn.logGroup)}`, reason: "the Lambda service writes the function's own log group with its role" })),
    ...["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"].map((action) => ({
      action,
      resource: source,
      reason: "the SQS event source mapping polls, hides and deletes the function's input with its role (the sandbox's Lambda runner does it with its own client)",
    })),
  ];
  if (caller === "notify") {
    list.push({ action: "secretsmanager:GetSecretValue", resource: `arn:${synth.logicalId(synth.stack.secrets.slackToken)}`, reason: "in AWS notify reads the Slack token from SLACK_TOKEN_SECRET_ARN at cold start; the sandbox passes SLACK_TOKEN" });
  }
  if (caller === "analyze") {
    list.push({
      action: "sqs:SendMessage",
      resource: `arn:${synth.logicalId(synth.stack.queues.byId.analyze.queue)}`,
      reason: "correlation re-queues an incident for another analysis when a node OOM is analysed after its victims (functions/analyze/analyze-incident.ts); a run's arrival order decides whether that happens",
    });
  }
  if (caller === "ingest") {
    list.push({
      action: "dynamodb:GetItem",
      resource: `arn:${synth.logicalId(synth.stack.tables.incidents)}`,
      reason: "ingest re-reads a group after losing its conditional write to a concurrent batch (functions/ingest/group-state.ts); the first read of a batch is a BatchGetItem, so only contention needs it",
    });
    // A repeat that needs no new analysis advances the stored counts (UpdateItem) and may look for a
    // node OOM nearby (Query); whether a repeat arrives before or after analyze stored its incident is timing.
    list.push({
      action: "dynamodb:UpdateItem",
      resource: `arn:${synth.logicalId(synth.stack.tables.incidents)}`,
      reason: "a repeat that asks for no analysis advances the stored incident's counts (functions/ingest/ingest-batch.ts); a run where every repeat beats analyze's first write asks for analyses instead",
    });
    list.push({
      action: "dynamodb:Query",
      resource: `arn:${synth.logicalId(synth.stack.tables.incidents)}`,
      reason: "a repeat of a stored incident looks for a node OOM on its node within the correlation window (functions/ingest/ingest-batch.ts); only repeats after analyze's first write need it",
    });
  }
  if (caller === "analyze" && synth.stack.secrets.kubeconfig) {
    list.push({ action: "secretsmanager:GetSecretValue", resource: `arn:${synth.logicalId(synth.stack.secrets.kubeconfig)}`, reason: "in AWS analyze reads its kubeconfig from KUBECONFIG_SECRET_ARN; the sandbox writes a kubeconfig file" });
  }
  return list;
}

const callers = (): Caller[] => [...(Object.keys(FUNCTIONS) as FunctionId[]), "forwarder"];

describe("IAM proven by use", () => {
  it("the run used every part: calls of each function and of the forwarder were recorded", () => {
    const seen = new Set(calls.map((c) => c.caller));
    expect([...seen].sort()).toEqual(callers().sort());
    // The dead-letter paths ran too.
    for (const fn of Object.keys(FUNCTIONS) as FunctionId[]) {
      expect(calls.some((c) => c.caller === fn && c.queueUrl?.endsWith("-dlq"))).toBe(true);
    }
  });

  it("each recorded call is allowed to its caller's role on its resource", () => {
    const denied = callers().flatMap((caller) => {
      const grants = grantsOf(caller);
      const mine = calls.filter((c) => c.caller === caller);
      return [...new Set(mine.map((c) => `${iamAction(c)} ${arnOf(c)}`))].filter((k) => {
        const [action, arn] = k.split(" ") as [string, string];
        return !grants.some((g) => covers(g, action, arn));
      }).map((k) => `${caller}: ${k}`);
    });
    expect(denied).toEqual([]);
  });

  it("each granted action is needed by a recorded call or a documented reason", () => {
    const unneeded = callers().flatMap((caller) => {
      const used = calls.filter((c) => c.caller === caller).map((c) => ({ action: iamAction(c), arn: arnOf(c) }));
      const allowed = allowlist(caller);
      return grantsOf(caller)
        .filter((g) => !used.some((u) => covers(g, u.action, u.arn)))
        .filter((g) => !allowed.some((a) => a.action === g.action && a.resource === g.resource))
        .map((g) => `${caller}: ${g.action} on ${g.resource}`);
    });
    expect(unneeded).toEqual([]);
  });
});
