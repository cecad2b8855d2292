/**
 * A replayed `kubectl get pods,events,nodes -w` recording seldom has the ReplicaSets:
 * the forwarder then names a Deployment pod's workload from its `pod-template-hash`
 * label (the Deployment controller names the ReplicaSet `<deployment>-<hash>`), and a
 * Job's CronJob from the Job object when the recording has it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as f from "../../sandbox/k8s-sim/factories.ts";
import { parseRecording, replayRecording } from "../../sandbox/k8s-sim/recording.ts";
import type { KubeObject } from "../../sandbox/k8s-sim/types.ts";
import type { Occurrence } from "../../shared/schema/occurrence.ts";
import { createHarness, type Harness } from "../forwarder/support.ts";
import { waitFor } from "../support/wait.ts";

const AT = "2025-06-02T08:00:00Z";
const OOM_AT = "2025-06-02T08:00:30Z";
const limits = { memory: "128Mi" };

const checkout = f.deployment("shop", "checkout", { containers: [{ name: "api", limits }], at: AT });
const checkoutPod = checkout.pod(0, { nodeName: "node-a", at: AT });

// A ReplicaSet of no Deployment whose name merely looks like one: its pods' hash label does not end its name.
const LEGACY_RS = "legacy-7d9f8b6c5";
const legacyPod = f.pod("shop", "legacy-7d9f8b6c5-abcde", { containers: [{ name: "app", limits }], nodeName: "node-a", at: AT });
legacyPod.metadata = {
  ...legacyPod.metadata,
  labels: { ...legacyPod.metadata?.labels, "pod-template-hash": "5f6b7c8d9" },
  ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: LEGACY_RS, uid: "rs-legacy", controller: true, blockOwnerDeletion: true }],
};

const nightly = f.cronJob("shop", "nightly", { containers: [{ name: "main", limits }], at: AT });
const recordedJob = nightly.job(AT);
const recordedJobPod = nightly.pod(recordedJob, { nodeName: "node-a" });
const hourly = f.cronJob("shop", "hourly", { containers: [{ name: "main", limits }], at: AT });
const unrecordedJob = hourly.job(AT);
const unrecordedJobPod = hourly.pod(unrecordedJob, { nodeName: "node-a" });

const pods = [checkoutPod, legacyPod, recordedJobPod, unrecordedJobPod];
const recording = [
  f.node("node-a", { at: AT }),
  recordedJob,
  ...pods,
  ...pods.map((p) => f.podOomKilled(p, p.spec?.containers[0]?.name ?? "", { finishedAt: OOM_AT })),
]
  .map((object) => JSON.stringify({ type: "ADDED", object }))
  .join("\n");

let h: Harness;
const observed: Occurrence[] = [];

beforeAll(async () => {
  h = await createHarness("replay-workloads");
  const fw = await h.start({ leaderElection: false });
  fw.on("observed", (o) => observed.push(o));
  await replayRecording(h.sim, parseRecording(recording, "workloads.jsonl"), { speed: 100 });
  await waitFor("an OOM of every pod", () => pods.every((p) => observed.some((o) => o.pod?.uid === p.metadata?.uid)), 15_000);
});

afterAll(async () => {
  await h?.close();
});

const workloadOf = (p: KubeObject) => observed.find((o) => o.pod?.uid === p.metadata?.uid)?.snapshot.pod?.workload;

describe("workloads of a replayed recording without the controllers' objects", () => {
  it("a Deployment pod whose ReplicaSet is not in the recording: the Deployment, from the pod-template-hash label", () => {
    expect(h.sim.list("ReplicaSet")).toEqual([]);
    expect(workloadOf(checkoutPod)).toEqual({ kind: "Deployment", name: "checkout" });
  });

  it("a ReplicaSet whose name does not end with the pod's hash is not taken for a Deployment", () => {
    expect(workloadOf(legacyPod)).toEqual({ kind: "ReplicaSet", name: LEGACY_RS });
  });

  it("a Job in the recording names its CronJob; a Job that is not keeps its own name", () => {
    expect(workloadOf(recordedJobPod)).toEqual({ kind: "CronJob", name: "nightly" });
    expect(workloadOf(unrecordedJobPod)).toEqual({ kind: "Job", name: unrecordedJob.metadata?.name });
  });
});
