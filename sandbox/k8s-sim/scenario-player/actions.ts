/**
 * The scenario actions, one handler per action kind (scenario-schema.ts defines their
 * arguments). Each changes the cluster as the kubelet, the controllers and the node
 * would, through the simulator's object API, and returns a description for progress output.
 */
import * as f from "../factories.ts";
import type { Pod } from "../types.ts";
import { type ActionContext, type ActionHandler, type ActionHandlers, each } from "./context.ts";

const QOS_RANK: Record<string, number> = { BestEffort: 0, Burstable: 1, Guaranteed: 2 };

const oomKill: ActionHandler<"oomKill"> = (ctx, a, at) => {
  const kind = a.ephemeral ? "ephemeral" : a.init ? "init" : "regular";
  return each(ctx.resolvePods(a.pod, a.replica), (pod) => {
    const container = ctx.containerOf(pod, a.container, kind);
    let base = pod;
    if (a.ephemeral && !(pod.status?.ephemeralContainerStatuses ?? []).some((s) => s.name === container)) {
      base = f.podWithEphemeralContainer(pod, { name: container, image: "busybox:1.36", targetContainerName: pod.spec?.containers[0]?.name }, { at });
    }
    if (a.log) {
      // Set before the kill is visible, so a forwarder reacting to it finds the log. The killed instance's
      // log is the current one while it is terminated and the previous one once restarted; the simulator
      // applies both states in one moment, so it serves the lines either way.
      for (const previous of [false, true]) ctx.sim.setPodLog(pod.metadata?.namespace ?? "", pod.metadata?.name ?? "", container, a.log, previous);
    }
    const opts = { finishedAt: at, init: !!a.init, ephemeral: !!a.ephemeral, ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}) };
    // The kubelet first reports the terminated state, then the restarted container with it in lastState.
    const terminated = f.podOomKilled(base, container, { ...opts, inLastState: false });
    const neverRestarts = pod.spec?.restartPolicy === "Never" || !!a.ephemeral;
    if (neverRestarts && !a.init && !a.ephemeral) terminated.status = { ...terminated.status, phase: "Failed" };
    ctx.apply(terminated);
    if (a.restart && !neverRestarts) ctx.apply(f.podOomKilled(base, container, { ...opts, inLastState: true, crashLoop: a.crashLoop }));
    return `${ctx.podName(pod)}/${container}`;
  });
};

const restart: ActionHandler<"restart"> = (ctx, a, at) =>
  each(ctx.resolvePods(a.pod, a.replica), (pod) => {
    const container = ctx.containerOf(pod, a.container);
    const reason = a.reason ?? (a.exitCode === 0 ? "Completed" : "Error");
    ctx.apply(f.podTerminated(pod, container, { reason, exitCode: a.exitCode, finishedAt: at }));
    return `${ctx.podName(pod)}/${container} exit ${a.exitCode} ${reason}`;
  });

const livenessKill: ActionHandler<"livenessKill"> = (ctx, a, at) =>
  each(ctx.resolvePods(a.pod, a.replica), (pod) => {
    const container = ctx.containerOf(pod, a.container);
    for (const e of f.livenessEvents(pod, container, { at })) ctx.apply(e);
    ctx.apply(f.podLivenessKilled(pod, container, { finishedAt: at }));
    return `${ctx.podName(pod)}/${container}`;
  });

/** The eviction manager's order: QoS class (BestEffort first), then priority, lowest first. */
function evictionOrder(x: Pod, y: Pod): number {
  return (
    (QOS_RANK[x.status?.qosClass ?? ""] ?? 1) - (QOS_RANK[y.status?.qosClass ?? ""] ?? 1) ||
    (x.spec?.priority ?? 0) - (y.spec?.priority ?? 0) ||
    (x.metadata?.name ?? "").localeCompare(y.metadata?.name ?? "")
  );
}

function evictionTargets(ctx: ActionContext, a: Parameters<ActionHandler<"evict">>[1]): Pod[] {
  if (a.pod) return ctx.resolvePods(a.pod, a.replica);
  const nodes = new Set(ctx.resolveNodes(a.node ?? "").map((n) => n.metadata?.name));
  const running = ctx.sim.list<Pod>("Pod").filter((p) => nodes.has(p.spec?.nodeName) && p.status?.phase === "Running");
  running.sort(evictionOrder);
  return [...nodes].flatMap((n) => running.filter((p) => p.spec?.nodeName === n).slice(0, a.count ?? 1));
}

const evict: ActionHandler<"evict"> = (ctx, a, at) =>
  each(evictionTargets(ctx, a), (pod) => {
    const container = ctx.containerOf(pod, undefined);
    const request = pod.spec?.containers[0]?.resources?.requests?.[a.resource];
    const usage = a.usage ?? (a.resource === "memory" ? "1200Mi" : a.resource === "pids" ? "4096" : "2Gi");
    const threshold = a.threshold ?? (a.resource === "memory" ? "100Mi" : a.resource === "pids" ? "4k" : "10%");
    const available = a.available ?? (a.resource === "memory" ? "91924Ki" : a.resource === "pids" ? "3k" : "3284Mi");
    const opts: f.EvictionOptions = {
      resource: a.resource,
      format: a.format,
      threshold,
      available,
      containers: [{ name: container, usage, ...(request ? { request } : {}) }],
      at,
    };
    ctx.apply(f.podEvicted(pod, opts));
    if (a.event) ctx.apply(f.evictionEvent(pod, opts));
    const owner = ctx.deploymentOf(pod);
    if (owner && a.replace) {
      const slot = owner.slots.indexOf(pod.metadata?.name ?? "");
      owner.slots[slot] = ctx.newReplica(owner, pod.spec?.nodeName, at);
    }
    return ctx.podName(pod);
  });

const memoryPressure: ActionHandler<"memoryPressure"> = (ctx, a, at) =>
  each(ctx.resolveNodes(a.node), (node) => {
    const name = node.metadata?.name ?? "";
    if (a.on && a.events) ctx.apply(f.evictionThresholdMetEvent(name, { at }));
    ctx.apply(f.nodeMemoryPressure(node, a.on, { at }));
    if (a.events) ctx.apply(a.on ? f.nodeHasInsufficientMemoryEvent(name, { at }) : f.nodeHasSufficientMemoryEvent(name, { at }));
    return `${name} ${a.on ? "on" : "off"}`;
  });

const systemOOM: ActionHandler<"systemOOM"> = (ctx, a, at, atMs) =>
  each(ctx.resolveNodes(a.node), (node) => {
    const name = node.metadata?.name ?? "";
    ctx.apply(f.systemOOMEvent(name, { process: a.process, pid: a.pid, at }));
    if (a.npd) ctx.apply(f.oomKillingEvent(name, { process: a.process, pid: a.pid, at }));
    let victim = "";
    if (a.victim) {
      victim = ` killed ${ctx.run({ type: "oomKill", args: { ...a.victim, restart: true, crashLoop: false } }, atMs).replace(/^oomKill /, "")}`;
    }
    return `${name} ${a.process} pid ${a.pid}${victim}`;
  });

const shutdown: ActionHandler<"shutdown"> = (ctx, a, at) =>
  each(ctx.resolvePods(a.pod, a.replica), (pod) => {
    ctx.apply(f.podNodeShutdown(pod, { at }));
    return ctx.podName(pod);
  });

const scale: ActionHandler<"scale"> = (ctx, a, at) => {
  const state = ctx.deployment(a.deployment);
  if (!state) throw new Error(`scenario ${ctx.file}: unknown deployment ${a.deployment}`);
  const replicas = a.replicas;
  while (state.slots.length < replicas) state.slots.push(ctx.newReplica(state, undefined, at));
  for (const name of state.slots.splice(replicas)) ctx.sim.remove("v1", "Pod", state.spec.namespace, name);
  const { deployment, replicaSet } = state.objects;
  const status = { replicas, readyReplicas: replicas, availableReplicas: replicas };
  ctx.apply({ ...deployment, spec: { ...deployment.spec, replicas }, status: { ...deployment.status, ...status, updatedReplicas: replicas } });
  ctx.apply({ ...replicaSet, spec: { ...replicaSet.spec, replicas }, status: { ...replicaSet.status, ...status } });
  return `${a.deployment} to ${replicas}`;
};

const cronRun: ActionHandler<"cronRun"> = (ctx, a) => {
  const state = ctx.cronJob(a.cronJob);
  if (!state) throw new Error(`scenario ${ctx.file}: unknown cron job ${a.cronJob}`);
  ctx.runCronJob(state, a.node ?? state.node, a.complete);
  return `${a.cronJob} -> ${state.latestPod}`;
};

const log: ActionHandler<"log"> = (ctx, a) =>
  each(ctx.resolvePods(a.pod, a.replica), (pod) => {
    const container = ctx.containerOf(pod, a.container);
    ctx.sim.setPodLog(pod.metadata?.namespace ?? "", pod.metadata?.name ?? "", container, a.lines, a.previous);
    return `${ctx.podName(pod)}/${container}`;
  });

const metrics: ActionHandler<"metrics"> = (ctx, a, at) => {
  const usage = { memory: a.memory, ...(a.cpu ? { cpu: a.cpu } : {}) };
  // The ramp starts at the step's scenario time: the metrics clock is the scenario clock.
  const ramp = { atMs: Date.parse(at), ...(a.over ? { overMs: a.over } : {}) };
  const over = a.over ? ` over ${a.over / 1000}s` : "";
  if (a.node) {
    return each(ctx.resolveNodes(a.node), (node) => {
      ctx.sim.setMetrics({ node: node.metadata?.name ?? "", usage }, ramp);
      return `${node.metadata?.name ?? ""} ${a.memory}${over}`;
    });
  }
  return each(ctx.resolvePods(a.pod ?? "", a.replica), (pod) => {
    const container = ctx.containerOf(pod, a.container);
    ctx.sim.setMetrics({ namespace: pod.metadata?.namespace ?? "", pod: pod.metadata?.name ?? "", containers: { [container]: usage } }, ramp);
    return `${ctx.podName(pod)}/${container} ${a.memory}${over}`;
  });
};

const apply: ActionHandler<"apply"> = (ctx, a) => {
  const objects = [a].flat();
  for (const o of objects) ctx.apply(o);
  return objects.map((o) => `${o.kind} ${o.metadata.name}`).join(", ");
};

const remove: ActionHandler<"delete"> = (ctx, a) => {
  ctx.sim.remove(a.apiVersion ?? "", a.kind, a.namespace, a.name);
  return `${a.kind} ${a.namespace ? `${a.namespace}/` : ""}${a.name}`;
};

/** Every action kind's handler: a new kind in scenario-schema.ts does not compile until it has one here. */
export const ACTION_HANDLERS: ActionHandlers = {
  oomKill,
  restart,
  livenessKill,
  evict,
  memoryPressure,
  systemOOM,
  shutdown,
  scale,
  cronRun,
  log,
  metrics,
  apply,
  delete: remove,
};
