/**
 * Notify one incident: post its parent message exactly once (lease + conditional
 * write + metadata recovery), or reply in its thread and update the parent;
 * copy Level 3 to the ops channel; put a severity event for a new incident and
 * for each escalation. A node-OOM victim (`partOf`) is a reply in the node OOM
 * incident's thread instead (node-victims.ts).
 */
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { isContention, LOST, retryOnContention } from "../../shared/contention-retry.ts";
import type { Incident, Level, NotifyRequest } from "../../shared/schema/incident.ts";
import { parentMessage, resolvedReply, runbookReply, runbookUrl, threadReply, type MessageOptions, type SlackMessage } from "./message.ts";
import { earlyWarningMessage } from "./early-warning-message.ts";
import { hasChart, postMemoryChart } from "./memory-chart.ts";
import { routesFor, type Route, type RoutingConfig } from "./routing.ts";
import { putResolvedEvent, putSeverityEvent, resolvedEventDetail, severityEventDetail } from "./severity-event.ts";
import { asNotifyError, classifySlackError, NotifyError, slackCall } from "./slack-errors.ts";
import { VictimLinker } from "./node-victims.ts";
import { incidentMetadata, type MessageRole, type SlackPoster } from "./slack-poster.ts";
import { isReplyOnly, type LeaseResult, type MessageRef, type SlackRef, type SlackRefStore } from "./slack-ref.ts";

export interface IncidentNotifierDeps {
  poster: SlackPoster;
  refs: SlackRefStore;
  eventbridge: EventBridgeClient;
  busName: string;
  routing: RoutingConfig;
  /** RUNBOOK_BASE_URL; undefined: no runbook links. */
  runbookBaseUrl?: string | undefined;
  now: () => number;
  /** How long a posting lease holds off other deliveries (longer than one function run). */
  leaseMs: number;
  /**
   * How long to wait for another delivery that holds the posting lease (it usually stores the
   * parent within a few hundred ms) before failing the record, which is then handed back to SQS
   * for a retry in seconds. 0: fail at once.
   */
  leaseWaitMs?: number;
  warn: (message: string, extra?: Record<string, unknown>) => void;
  count: (metric: string) => void;
}

/** `deferred`: a victim whose node parent is not posted yet (the node's notify links it). */
export type NotifyOutcome = "posted" | "recovered" | "replied" | "updated" | "stale" | "deferred";

/**
 * Thread replies for repeats only at these occurrence counts (escalations always
 * reply): a storm of 500 evictions gives ~10 replies, and the parent always shows the count.
 */
export function crossesMilestone(previous: number, current: number): boolean {
  for (const m of milestones()) {
    if (m > previous) return m <= current;
  }
  return false;
}

/** 2, 3, 5, 10, 20, 50, 100, 200, 500, ... */
function* milestones(): Generator<number> {
  yield* [2, 3, 5];
  for (let m = 10; m < Number.MAX_SAFE_INTEGER; m *= 10) yield* [m, 2 * m, 5 * m];
}

const LEASE_POLL_MS = 100;

const retry = (code: string, message: string) => new NotifyError({ action: "retry", code }, message);

export class IncidentNotifier {
  private readonly victims: VictimLinker;

  constructor(private readonly deps: IncidentNotifierDeps) {
    this.victims = new VictimLinker(deps);
  }

  private options(route: Route, role: "owner" | "ops", missingChannel?: string): MessageOptions {
    return { runbookBaseUrl: this.deps.runbookBaseUrl, route, role, ...(missingChannel ? { missingChannel } : {}) };
  }

  /** Level 0 is a one-message heads-up; Levels 1-3 get the full incident message. */
  private parent(i: Incident, opts: MessageOptions): SlackMessage {
    return i.level === 0 ? earlyWarningMessage(i, opts) : parentMessage(i, opts);
  }

  /** Posts to the routed channel; an unusable channel falls back to the default channel and the message says so. */
  private async postParent(i: Incident, route: Route, revision: number): Promise<{ ref: MessageRef; missingChannel?: string }> {
    const meta = incidentMetadata(i, "owner", revision);
    try {
      return { ref: await this.deps.poster.post(route.channel, this.parent(i, this.options(route, "owner")), meta) };
    } catch (e) {
      const failure = classifySlackError(e);
      const fallback = this.deps.routing.defaultChannel;
      if (failure.action !== "fallback" || route.channel === fallback) throw asNotifyError(e, "chat.postMessage");
      this.deps.warn("routed channel unusable, posting to the default channel", { channel: route.channel, error: failure.code, incidentId: i.id });
      this.deps.count("SlackChannelFallback");
      const msg = this.parent(i, this.options({ ...route, channel: fallback }, "owner", route.channel));
      return { ref: await slackCall("chat.postMessage", () => this.deps.poster.post(fallback, msg, meta)), missingChannel: route.channel };
    }
  }

  private async putEvent(i: Incident, change: "new" | "escalated", ref: SlackRef, previousLevel?: Level): Promise<void> {
    const slack = { channel: ref.channel, ts: ref.ts, ...(ref.permalink ? { permalink: ref.permalink } : {}) };
    const detail = severityEventDetail(i, change, { runbook: runbookUrl(this.deps.runbookBaseUrl, i.level), slack, ...(previousLevel ? { previousLevel } : {}) });
    await putSeverityEvent(this.deps.eventbridge, this.deps.busName, detail);
    this.deps.count("SeverityEvents");
  }

  /** No parent stored yet: take the lease, recover or post, put the event, store. */
  private async ensureParent(req: NotifyRequest, owner: Route, ops: Route | undefined, attemptId: string): Promise<{ ref: SlackRef; outcome?: NotifyOutcome }> {
    const i = req.incident;
    const { poster, refs } = this.deps;
    const lease = await this.waitForLease(i.id, attemptId);
    if (lease.state === "missing") throw retry("incident_not_stored", `incident ${i.id} is not stored yet`);
    if (lease.state === "busy") throw retry("parent_being_posted", `another delivery is posting incident ${i.id}`);
    if (lease.state === "posted") return { ref: lease.ref };

    const channels = [owner.channel, this.deps.routing.defaultChannel];
    const found = await slackCall("conversations.history", () => poster.findPosted(channels, i.id, "owner", i.firstSeen));
    const posted = found ? { ref: found } : await this.postParent(i, owner, req.revision);
    const ref: SlackRef = {
      ...posted.ref,
      revision: req.revision,
      level: i.level,
      ...(i.victims.length ? { victims: i.victims.length } : {}),
      ...("missingChannel" in posted && posted.missingChannel ? { missingChannel: posted.missingChannel } : {}),
    };
    const permalink = await poster.permalink(posted.ref);
    if (permalink) ref.permalink = permalink;
    // The messages posted once per incident go out while the lease is held and are stored with the
    // parent: a delivery that waited for the lease then finds them, instead of racing to post its own.
    if (!found) await this.firstMessages(i, ref, ops, req.revision);
    await this.putEvent(i, "new", ref);
    const stored = await refs.storeParent(i.id, ref);
    if (!stored.stored) {
      // Someone stored a parent after our lease expired: keep theirs, remove our copies.
      if (!stored.existing) throw retry("store_conflict", `incident ${i.id}: parent reference vanished`);
      if (!found && stored.existing.ts !== ref.ts) {
        this.deps.count("DuplicateParentRemoved");
        for (const copy of [ref.runbook, ref.ops, posted.ref]) {
          if (copy) await poster.delete(copy).catch(() => this.deps.warn("could not delete duplicate parent", { incidentId: i.id, ts: copy.ts }));
        }
      }
      return { ref: stored.existing };
    }
    if (found) {
      // The earlier attempt crashed after posting: show the current state.
      await slackCall("chat.update", () => poster.update(found, this.parent(i, this.options(owner, "owner")), incidentMetadata(i, "owner", req.revision)));
      return { ref, outcome: "recovered" };
    }
    return { ref, outcome: "posted" };
  }

  /** A new parent's runbook reply (Levels 1-3) and Level 3 ops copy, set on `ref` before it is stored. */
  private async firstMessages(i: Incident, ref: SlackRef, ops: Route | undefined, revision: number): Promise<void> {
    const { poster } = this.deps;
    if (i.level > 0) {
      const msg = runbookReply(i, { runbookBaseUrl: this.deps.runbookBaseUrl });
      ref.runbook = await slackCall("chat.postMessage (runbook)", () => poster.post(ref.channel, msg, incidentMetadata(i, "runbook", revision), ref.ts));
      this.deps.count("NotifyReplied");
    }
    if (ops) {
      const opsRef = await this.postOps(i, ops, revision);
      if (opsRef) ref.ops = opsRef;
    }
  }

  /** The Level 3 copy in the ops channel; undefined when that channel is unusable (said in the log). */
  private async postOps(i: Incident, ops: Route, revision: number): Promise<MessageRef | undefined> {
    try {
      return await this.deps.poster.post(ops.channel, parentMessage(i, this.options(ops, "ops")), incidentMetadata(i, "ops", revision));
    } catch (e) {
      const failure = classifySlackError(e);
      if (failure.action !== "fallback") throw asNotifyError(e, "chat.postMessage (ops)");
      this.deps.warn("ops channel unusable; Level 3 copy not posted", { channel: ops.channel, error: failure.code, incidentId: i.id });
      this.deps.count("SlackChannelFallback");
      return undefined;
    }
  }

  /**
   * acquireLease, re-tried with jittered backoff while another delivery holds the lease,
   * for up to leaseWaitMs and within the invocation's time (shared/contention-retry.ts).
   */
  private async waitForLease(id: string, attemptId: string): Promise<LeaseResult> {
    const { refs, leaseMs, leaseWaitMs = 0 } = this.deps;
    const giveUpAt = Date.now() + leaseWaitMs;
    let last: LeaseResult = { state: "busy" };
    try {
      return await retryOnContention(
        async () => {
          last = await refs.acquireLease(id, attemptId, this.deps.now(), leaseMs);
          return last.state === "busy" && Date.now() < giveUpAt ? LOST : last;
        },
        { subject: `incident ${id} posting lease`, baseDelayMs: LEASE_POLL_MS / 2, maxDelayMs: LEASE_POLL_MS * 4 },
      );
    } catch (e) {
      if (isContention(e)) return last;
      throw e;
    }
  }

  /** Level 3 copy in the ops channel, once. */
  private async ensureOps(i: Incident, ref: SlackRef, ops: Route, revision: number): Promise<void> {
    const { poster, refs } = this.deps;
    const found = await slackCall("conversations.history", () => poster.findPosted([ops.channel], i.id, "ops", i.firstSeen));
    const opsRef = found ?? (await this.postOps(i, ops, revision));
    if (!opsRef) return;
    if (!(await refs.storeOps(i.id, ref.ts, opsRef)) && !found) {
      await poster.delete(opsRef).catch(() => undefined);
    }
    ref.ops = opsRef;
  }

  /**
   * A reply posted once per incident (`runbook`, `resolved`): found by its metadata after a
   * crash, stored with a conditional write; a delivery that loses the write removes its copy.
   */
  async ensureReply(i: Incident, ref: SlackRef, role: "runbook" | "resolved", msg: SlackMessage, revision: number): Promise<boolean> {
    if (ref[role]) return false;
    const { poster, refs } = this.deps;
    const found = await slackCall("conversations.replies", () => poster.findReply(ref, i.id, role satisfies MessageRole));
    const reply = found ?? (await slackCall(`chat.postMessage (${role})`, () => poster.post(ref.channel, msg, incidentMetadata(i, role, revision), ref.ts)));
    if (!(await refs.storeReply(i.id, ref.ts, role, reply)) && !found) {
      this.deps.count("DuplicateReplyRemoved");
      await poster.delete(reply).catch(() => this.deps.warn("could not delete duplicate reply", { incidentId: i.id, ts: reply.ts }));
      return false;
    }
    ref[role] = reply;
    return !found;
  }

  /** A victim not linked yet: reply in the node thread when the node parent exists. */
  private async linkVictim(i: Incident, ref: SlackRef | null, nodeId: string): Promise<SlackRef | undefined> {
    const nodeRef = await this.deps.refs.read(nodeId);
    if (!nodeRef) return undefined;
    return this.victims.link(i, ref, nodeId, nodeRef);
  }

  /** A victim whose only message is its reply in the node thread: keep it current, in place. */
  private async updateReply(req: NotifyRequest, ref: SlackRef): Promise<NotifyOutcome | undefined> {
    const i = req.incident;
    if (!(req.revision > ref.revision || i.level > ref.level)) return undefined;
    const msg = this.victims.replyMessage(i);
    await slackCall("chat.update (victim reply)", () => this.deps.poster.update(ref, msg, incidentMetadata(i, "victim", req.revision)));
    await this.deps.refs.recordProgress(i.id, ref.ts, Math.max(req.revision, ref.revision), Math.max(i.level, ref.level));
    return "updated";
  }

  /** Updates the parent (a victim's own parent when it has one) in place, then the ops copy if there is one. */
  private async updateParents(i: Incident, ref: SlackRef, revision: number, routes: ReturnType<typeof routesFor>): Promise<void> {
    const { poster } = this.deps;
    const parent = ref.partOf ? this.victims.ownParentMessage(i, ref) : this.parent(i, this.options({ ...routes.owner, channel: ref.channel }, "owner", ref.missingChannel));
    await slackCall("chat.update", () => poster.update(ref, parent, incidentMetadata(i, "owner", revision)));
    const { ops } = routes;
    if (ref.ops && ops) {
      const opsRef = ref.ops;
      await slackCall("chat.update (ops)", () => poster.update(opsRef, parentMessage(i, this.options(ops, "ops")), incidentMetadata(i, "ops", revision)));
    }
  }

  /**
   * The resolver closed the incident: the parent (and ops copy) say so, one thread reply,
   * the resolved event; then it leaves the resolver's index. Without a parent of its own
   * (a node-OOM victim, or never posted) there is nothing to show.
   */
  private async resolve(req: NotifyRequest, ref: SlackRef | null): Promise<NotifyOutcome> {
    const i = req.incident;
    const { refs } = this.deps;
    if (!ref || isReplyOnly(ref)) {
      await refs.closed(i.id);
      return "stale";
    }
    await this.updateParents(i, ref, req.revision, routesFor(i, this.deps.routing));
    // Put the event while Slack does not show the resolution stored yet: at-least-once, like the severity events.
    const first = !ref.resolved;
    // A Level 0 heads-up has no thread: its message says it is resolved, nothing is replied.
    const replied = i.level > 0 && (await this.ensureReply(i, ref, "resolved", resolvedReply(i), req.revision));
    if (first) {
      const slack = { channel: ref.channel, ts: ref.ts, ...(ref.permalink ? { permalink: ref.permalink } : {}) };
      await putResolvedEvent(this.deps.eventbridge, this.deps.busName, resolvedEventDetail(i, slack));
      this.deps.count("ResolvedEvents");
    }
    await refs.closed(i.id);
    return replied ? "replied" : "updated";
  }

  async notify(req: NotifyRequest, attemptId: string): Promise<NotifyOutcome> {
    const i = req.incident;
    const { poster, refs, routing } = this.deps;
    const { owner, ops } = routesFor(i, routing);

    let ref = await refs.read(i.id);
    if (ref === undefined) throw retry("incident_not_stored", `incident ${i.id} is not stored yet`);
    if (req.change === "resolved") return this.resolve(req, ref);
    let outcome: NotifyOutcome | undefined;
    // Part of a node OOM: no parent or ops copy of its own, a reply in the node incident's thread.
    const nodeId = ref?.partOf?.incidentId ?? i.partOf?.incidentId;
    if (nodeId && !ref?.partOf) {
      const linked = await this.linkVictim(i, ref, nodeId);
      if (linked) {
        ref = linked;
        outcome = "replied";
      } else if (ref === null) {
        return "deferred"; // the node's notify links it once its parent is stored (node-victims.ts)
      }
    }
    if (ref === null) ({ ref, outcome } = await this.ensureParent(req, owner, ops, attemptId));
    if (isReplyOnly(ref)) return (await this.updateReply(req, ref)) ?? outcome ?? "stale";

    const shownVictims = ref.victims ?? 0;
    const news = req.revision > ref.revision || i.level > ref.level || i.victims.length > shownVictims;
    if (!outcome && news) {
      const previousLevel = ref.level;
      const escalated = i.level > previousLevel;
      outcome = "updated";
      // Level 0 heads-ups are edited in place only: no thread of repeats for a warning.
      if (escalated || (i.level > 0 && crossesMilestone(ref.revision, req.revision))) {
        const reply = threadReply(i, escalated ? "escalated" : "repeat", previousLevel);
        await slackCall("chat.postMessage (thread)", () => poster.post(ref.channel, reply, incidentMetadata(i, "owner", req.revision), ref.ts));
        outcome = "replied";
      }
      await this.updateParents(i, ref, req.revision, { owner, ops });
      if (escalated && ref.runbook) {
        // The runbook reply follows the level: the new level's steps first, as in the parent.
        const runbookRef = ref.runbook;
        await slackCall("chat.update (runbook)", () => poster.update(runbookRef, runbookReply(i, { runbookBaseUrl: this.deps.runbookBaseUrl }), incidentMetadata(i, "runbook", req.revision)));
      }
      if (escalated) await this.putEvent(i, "escalated", ref, previousLevel);
      await refs.recordProgress(i.id, ref.ts, Math.max(req.revision, ref.revision), Math.max(i.level, ref.level), Math.max(i.victims.length, shownVictims));
    }
    // The full runbook and the evidence: the first reply in the parent's own thread. Not for a Level 0
    // heads-up, which is one message edited in place (it links the Level 0 runbook itself).
    if (i.level > 0 && !ref.partOf && !ref.runbook && (await this.ensureReply(i, ref, "runbook", runbookReply(i, { runbookBaseUrl: this.deps.runbookBaseUrl }), req.revision))) {
      this.deps.count("NotifyReplied");
      outcome ??= "replied";
    }
    if (ops && !ref.ops && !nodeId) {
      await this.ensureOps(i, ref, ops, req.revision);
      outcome ??= "updated";
    }
    // The memory chart: with the first message of the incident, then again only where a repeat earns a reply.
    if (hasChart(i) && !nodeId && (ref.chartRevision === undefined || (req.revision > ref.chartRevision && (i.level > ref.level || crossesMilestone(ref.chartRevision, req.revision))))) {
      const chart = await postMemoryChart(this.deps, i, ref, req.revision);
      if (chart === "uploaded") outcome ??= "updated";
    }
    // Node side of the victim protocol: victims whose own notify found no parent here yet.
    if (i.kind === "NodeOOM" && (await this.victims.linkListed(i, ref)) > 0) outcome ??= "replied";
    return outcome ?? "stale";
  }
}
