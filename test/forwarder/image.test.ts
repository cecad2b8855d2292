/**
 * The image's entry, run as the Deployment runs it: the bundle the Dockerfile copies (built as
 * `npm run build` builds it), started with the image's node flags and env and the Deployment's NODE_OPTIONS, pointed at the
 * Kubernetes API simulator and local SQS. It must get ready, forward an OOM kill, and stop cleanly on
 * SIGTERM, printing no runtime warning.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forwarderLaunch, freePort } from "../../bench/forwarder.ts";
import { buildForwarder } from "../../forwarder/build.ts";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { type K8sSimulator, startK8sSimulator } from "../../sandbox/k8s-sim/index.ts";
import { createQueues, type LocalAws, startLocalAws } from "../../sandbox/local-aws.ts";
import { DIST } from "../../scripts/build.ts";
import { receiveAtLeast } from "../support/sqs.ts";
import { waitFor } from "../support/wait.ts";

let aws: LocalAws;
let sim: K8sSimulator;
let child: ChildProcess;
let stderr = "";
let port: number;
let queueUrl: string;

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), "fwd-image-"));
  const bundle = join(work, DIST.forwarder);
  await buildForwarder(bundle);
  aws = await startLocalAws();
  queueUrl = (await createQueues(aws.clients.sqs, "fwd-image")).events.url;
  sim = await startK8sSimulator();
  sim.apply(f.namespace("shop"));
  sim.apply(f.node("node-a"));
  const kubeconfig = join(work, "kubeconfig.yaml");
  sim.writeKubeconfig(kubeconfig);
  port = await freePort();

  // The Dockerfile's node flags and ENV (NODE_ENV, MALLOC_ARENA_MAX), the Deployment's NODE_OPTIONS.
  const launch = forwarderLaunch();
  child = spawn(process.execPath, [...launch.nodeArgs, bundle], {
    cwd: work,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      PATH: process.env.PATH,
      ...launch.env,
      KUBECONFIG: kubeconfig,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SQS: aws.endpoints.sqs,
      OOMWATCH_CLUSTER: "image-test",
      EVENTS_QUEUE_URL: queueUrl,
      OOMWATCH_LEADER_ELECTION: "false",
      OOMWATCH_METRICS_PORT: String(port),
    },
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await sim?.stop();
  await aws?.stop();
});

describe("forwarder image entry", () => {
  it("gets ready, forwards an OOM kill to SQS and stops cleanly on SIGTERM", async () => {
    const ready = async () => {
      if (child.exitCode !== null) throw new Error(`forwarder exited ${child.exitCode}: ${stderr.slice(-500)}`);
      return fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    };
    await waitFor("/readyz", ready, 60_000);

    const p = f.pod("shop", "api-0", { nodeName: "node-a", containers: [{ name: "api", limits: { memory: "256Mi", cpu: "100m" } }] });
    sim.apply(p);
    sim.apply(f.podOomKilled(p, "api"));
    const [message] = await receiveAtLeast(aws.clients.sqs, queueUrl, 1, 30_000);
    expect(JSON.parse(message!.Body!)).toMatchObject({ kind: "ContainerOOM", cluster: "image-test" });

    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/Warning/);
  }, 120_000);
});
