/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-node 1.4.0 has no
 * elector). Same rules as client-go: updates use the Lease's resourceVersion, so
 * two candidates cannot both win; expiry is judged by when *we* last saw the
 * record change (local clock), not by the holder's timestamps, so clock skew
 * does not matter; a leader that cannot renew within the renew deadline steps
 * down before anyone else may take over; release clears holderIdentity so a
 * successor takes over at its next retry instead of waiting out the lease.
 */
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import { FORWARDER_DEFAULTS } from "./config.ts";
import type { Logger } from "./log.ts";
import { withTimeout } from "./timeout.ts";

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease is valid without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** Renew / retry interval (default 5 s). */
  renewMs?: number;
  logger: Logger;
  onChange(leader: boolean): void;
}

export interface LeaderElector {
  readonly isLeader: boolean;
  /** Stops campaigning and, if leading, releases the lease. */
  stop(): Promise<void>;
}

const statusOf = (err: unknown): number | undefined => (err as { code?: number })?.code;

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElector {
  const leaseMs = opts.leaseDurationMs ?? FORWARDER_DEFAULTS.leaseDurationMs;
  const renewMs = opts.renewMs ?? FORWARDER_DEFAULTS.renewMs;
  // Step down if not renewed for this long: strictly less than what others wait.
  const renewDeadlineMs = Math.max(renewMs, Math.floor(leaseMs * 0.66));
  const { namespace, name, identity, logger } = opts;
  // Every call is bounded: a leader whose API calls hang must still step down in time.
  const callTimeoutMs = Math.max(500, Math.min(renewMs, renewDeadlineMs / 2));
  const api = {
    read: () => withTimeout(opts.api.readNamespacedLease({ name, namespace }), callTimeoutMs, "read lease"),
    create: (body: V1Lease) => withTimeout(opts.api.createNamespacedLease({ namespace, body }), callTimeoutMs, "create lease"),
    replace: (body: V1Lease) => withTimeout(opts.api.replaceNamespacedLease({ name, namespace, body }), callTimeoutMs, "update lease"),
  };

  let leader = false;
  let stopped = false;
  let lastRenew = 0;
  let observed: { record: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const setLeader = (value: boolean) => {
    if (value === leader) return;
    leader = value;
    logger.info(value ? "became leader" : "stopped leading", { lease: `${namespace}/${name}`, identity });
    opts.onChange(value);
  };

  const spec = (transitions: number, acquire: boolean, prev?: V1Lease["spec"]): V1Lease["spec"] => ({
    holderIdentity: identity,
    leaseDurationSeconds: Math.max(1, Math.ceil(leaseMs / 1000)),
    acquireTime: acquire ? new V1MicroTime() : prev?.acquireTime,
    renewTime: new V1MicroTime(),
    leaseTransitions: transitions,
  });

  async function tryAcquireOrRenew(): Promise<boolean> {
    let current: V1Lease;
    try {
      current = await api.read();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      await api.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: spec(0, true) });
      return true;
    }
    const s = current.spec ?? {};
    const holder = s.holderIdentity ?? "";
    const record = `${holder}|${String(s.renewTime ?? "")}|${current.metadata?.resourceVersion ?? ""}`;
    const now = Date.now();
    if (!observed || observed.record !== record) observed = { record, at: now };
    const expired = now - observed.at > leaseMs;
    if (holder && holder !== identity && !expired) return false;
    const acquiring = holder !== identity;
    const transitions = (s.leaseTransitions ?? 0) + (acquiring && holder ? 1 : 0);
    // resourceVersion in the body makes this a compare-and-swap (409 when someone else wrote first).
    await api.replace({ ...current, spec: spec(transitions, acquiring, s) });
    return true;
  }

  async function round(): Promise<void> {
    try {
      const ok = await tryAcquireOrRenew();
      if (ok) lastRenew = Date.now();
      if (stopped) return;
      setLeader(ok);
    } catch (err) {
      const code = statusOf(err);
      if (code !== 409) logger.warn("lease update failed", { lease: `${namespace}/${name}`, code, error: String(err) });
      if (leader && Date.now() - lastRenew > renewDeadlineMs) setLeader(false);
      else if (code === 409 && leader) setLeader(false);
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, renewMs);
  };
  running = round().finally(schedule);

  return {
    get isLeader() {
      return leader;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
      if (!leader) return;
      setLeader(false);
      try {
        const current = await api.read();
        if (current.spec?.holderIdentity !== identity) return;
        await api.replace({
          ...current,
          spec: { ...current.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new V1MicroTime() },
        });
        logger.info("released lease", { lease: `${namespace}/${name}` });
      } catch (err) {
        logger.warn("lease release failed", { error: String(err) });
      }
    },
  };
}
