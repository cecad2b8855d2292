/** The sandbox pipeline's options, fault-injection hooks and running handle (sandbox/pipeline.ts starts it). */
import type { WebClient, WebClientOptions } from "@slack/web-api";
import type { Forwarder, ForwarderOptions } from "../../forwarder/forwarder.ts";
import type { AwsClients, AwsEndpoints } from "../../shared/clients/aws.ts";
import type { FunctionId, QueueId } from "../../shared/resources.ts";
import type { ScenarioPolicy } from "../k8s-sim/scenario-schema.ts";
import type { K8sSimulator } from "../k8s-sim/server.ts";
import type { DrainOptions } from "./drain.ts";
import type { LambdaRunner, SqsHandler } from "../lambda-runner.ts";
import type { LocalAws, QueueOverrides, QueueUrls } from "../local-aws.ts";
import type { SandboxActivity } from "../activity.ts";
import type { PipelineReport } from "../report.ts";
import type { SlackSink } from "../slack-sink.ts";
import type { StatusSnapshot } from "../status.ts";
import type { Incident } from "../../shared/schema/incident.ts";

export interface PipelineOptions {
  dataDir: string;
  /** Cluster name the forwarder reports. */
  cluster: string;
  /** A real cluster instead of the simulator. */
  kubeconfig?: string;
  /** Real Slack instead of the sink. */
  slackToken?: string;
  slackChannel?: string;
  /** Forwarder lookback (default 1 h). */
  lookbackMs?: number;
  /**
   * Time multiplier of the scenario or replay (default 1). The metrics API's timestamps follow the
   * scenario clock, so the forwarder samples every interval / speed of wall time.
   */
  speed?: number;
  /** The scenario's `policy:` (early-warning rules, escalation, sampling interval). */
  policy?: ScenarioPolicy;
  /**
   * The forwarder captures the previous container's log tail of OOM-killed containers
   * (OOMWATCH_CAPTURE_LOGS; a scenario's `forwarder.captureLogs`). Default off; off, the simulator
   * does not grant `pods/log` either (forwarder/deploy/clusterrole-logs.yaml is applied only with capture).
   */
  captureLogs?: boolean;
  /** Where notices go (warnings; Slack messages rendered whole when there is no `onActivity`). */
  log: (text: string) => void;
  /**
   * Every Slack post, update and reply, every resolved incident and every node whose MemoryPressure
   * cleared (a node watch runs only when this is given): the sandbox display (sandbox/activity.ts).
   */
  onActivity?: (activity: SandboxActivity) => void;
  /** Powertools log level of the handlers (default ERROR: the terminal shows the status instead). */
  handlerLogLevel?: string;
  /** Fault-injection hooks for tests (test/faults); the sandbox sets none. */
  faults?: PipelineFaultHooks;
}

/** A part of the pipeline that talks to AWS with its own clients when a fault hook gives it some. */
import type { AwsCall } from "./aws-calls.ts";

export type PipelineClientUser = "forwarder" | "resolve" | FunctionId;

/** The AWS clients one part of the pipeline uses. */
export type PartClients = Pick<AwsClients, "sqs" | "doc"> & Partial<Pick<AwsClients, "eventbridge">>;

/**
 * Test hooks: each replaces or wraps one dependency so a test can inject a fault
 * (duplicate sends, crashes, outages) while the rest of the pipeline runs unchanged.
 */
export interface PipelineFaultHooks {
  /** Settings for every queue, e.g. a short visibility timeout so redelivery takes seconds. */
  queueOverrides?: QueueOverrides;
  /**
   * Clients for one part (the forwarder is asked again on each restart); parts not given
   * use the shared emulator clients. The Lambda runner always uses the shared client.
   * `endpoints` has the emulators' and the EventBridge sink's URLs for building such clients.
   */
  clients?: (user: PipelineClientUser, aws: LocalAws, endpoints: AwsEndpoints) => Partial<Pick<AwsClients, "sqs" | "doc" | "eventbridge">>;
  /** Builds notify's Slack client (default: notify's own factory, `createSlackClient`, with these options). */
  slackClient?: (token: string, options: WebClientOptions) => WebClient;
  /** Wraps a function's handler as the Lambda runner invokes it. */
  wrapHandler?: (fn: FunctionId, handler: SqsHandler) => SqsHandler;
  /** Forwarder settings on top of the sandbox's (e.g. `flushTimeoutMs`, `sendBackoff`). */
  forwarder?: Partial<Omit<ForwarderOptions, "kubeConfig" | "sqs" | "queueUrl" | "cluster">>;
  /** notify's `minRemainingMs` (default 8 s): short test function timeouts need less. */
  notifyMinRemainingMs?: number;
}

export interface Pipeline {
  /** The simulator, when no kubeconfig was given. */
  sim?: K8sSimulator;
  aws: LocalAws;
  queues: Record<QueueId, QueueUrls>;
  slackSink?: SlackSink;
  /** The running forwarder (a new one after `restartForwarder`). */
  readonly forwarder: Forwarder;
  runner: LambdaRunner;
  /** Stops the forwarder as on SIGTERM (bounded flush) and starts a new one, like a pod restart. */
  restartForwarder(): Promise<Forwarder>;
  status(phase: string): Promise<StatusSnapshot>;
  /**
   * Waits until the forwarder's outbox and every queue stay empty for `quietMs`; without
   * `timeoutMs`, until then or until nothing moved for longer than a record can stay
   * invisible (pipeline/drain.ts).
   */
  waitUntilDrained(opts?: DrainOptions): Promise<void>;
  report(scenario: string): Promise<PipelineReport>;
  /** Every AWS API call each function and the forwarder made so far (pipeline/aws-calls.ts). */
  awsCalls(): AwsCall[];
  /**
   * The recording clients one part was given (a fault hook's replacements aside): what the
   * benchmark counts requests on. The emulator's own clients (`aws.clients`) serve only the
   * Lambda runner's polling and the report.
   */
  partClients(user: PipelineClientUser): AwsClients;
  /**
   * Moves the scenario clock past the group window (the scenario is over: nothing more comes)
   * and runs the resolver, as its schedule would once the window has passed. The resolved
   * incidents; notify closes them in Slack through its queue.
   */
  fastForwardAndResolve(): Promise<Incident[]>;
  stop(): Promise<void>;
}
