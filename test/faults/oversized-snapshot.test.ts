/**
 * Fault 8: a pod snapshot larger than the SQS limit. The OOMing pod has 30 containers
 * with long images, arguments and memory settings, 50 more env vars each, and a 300 KB
 * annotation: close to 1 MB of pod JSON. The forwarder must trim the occurrence to fit
 * (never fail), and the pipeline must process it like any other.
 */
import { afterAll, expect, it } from "vitest";
import { parseScenario } from "../../sandbox/k8s-sim/scenario.ts";
import { MAX_MESSAGE_BYTES } from "../../shared/resources.ts";
import { byGroup, collectOutcome, storedIncidents } from "./support/outcome.ts";
import { drain, playStorm, startFaultPipeline } from "./support/run.ts";
import { editBatches, ownSqsClient } from "./support/sqs-faults.ts";

/** The SQS hard limit (256 KiB), above which SendMessage is refused. */
const SQS_LIMIT_BYTES = 256 * 1024;

const container = (i: number) => ({
  name: `c${String(i).padStart(2, "0")}`,
  image: `registry.example.com/${"team/".repeat(20)}image-${i}:1.0.0`,
  requests: { memory: "64Mi", cpu: "10m" },
  limits: { memory: "128Mi" },
  args: Array.from({ length: 100 }, (_, j) => `--flag-${j}=${"z".repeat(50)}`),
  env: {
    JAVA_TOOL_OPTIONS: Array.from({ length: 100 }, (_, j) => `-Dapp.setting.${j}=${"x".repeat(40)}`).join(" "),
    GOMEMLIMIT: "100MiB",
    ...Object.fromEntries(Array.from({ length: 50 }, (_, j) => [`FEATURE_${j}`, "y".repeat(200)])),
  },
});

const scenario = parseScenario(
  JSON.stringify({
    name: "oversized",
    cluster: "faults",
    nodes: [{ name: "node-a" }],
    deployments: [
      {
        name: "huge",
        namespace: "big",
        replicas: 1,
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "a".repeat(300_000) },
        containers: Array.from({ length: 30 }, (_, i) => container(i)),
      },
    ],
    steps: [{ at: "1s", oomKill: { pod: "big/huge", container: "c00" } }],
  }),
  "oversized.json",
);

const bodyBytes: number[] = [];
const run = await startFaultPipeline("oversized", {
  clients: (user, aws) =>
    user === "forwarder"
      ? { sqs: editBatches(ownSqsClient(aws), (input) => bodyBytes.push(...(input.Entries ?? []).map((e) => Buffer.byteLength(e.MessageBody ?? "")))) }
      : {},
});
afterAll(() => run.stop());

it("an occurrence of a pod far larger than the SQS limit is trimmed, delivered and processed", async () => {
  await playStorm(run, scenario);
  await drain(run);

  const pod = run.pipeline.sim!.list("Pod").find((p) => p.metadata?.name?.startsWith("huge-"));
  expect(Buffer.byteLength(JSON.stringify(pod))).toBeGreaterThan(3 * SQS_LIMIT_BYTES);
  expect(bodyBytes.length).toBeGreaterThan(0);
  expect(Math.max(...bodyBytes)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);

  expect(await collectOutcome(run.pipeline)).toEqual({
    incidents: [
      { group: "oom|faults|big|Deployment/huge|c00", level: 1, occurrences: 1, members: 1, markers: 1, ownerParents: 1, opsParents: 0, slackRefMatches: true, victims: 0 },
    ].sort(byGroup),
    occurrencesByKind: { ContainerOOM: 1 },
    deadLetters: { events: 0, analyze: 0, notify: 0 },
    slack: { posted: 1, deleted: 0 },
  });
  // What matters for the diagnosis survived the trimming: the OOMed container and its limit.
  const [incident] = await storedIncidents(run.pipeline);
  expect(incident?.snapshot.pod?.containers.find((c) => c.name === "c00")?.limits.memory).toBe(128 * 1024 * 1024);
});
