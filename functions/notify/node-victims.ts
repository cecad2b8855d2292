/**
 * Node-OOM victims in Slack: a container OOM incident that is `partOf` a node OOM
 * incident gets no parent (and no ops copy) of its own; its message is one reply in
 * the node incident's thread. Either side may post that reply, whichever sees both
 * the node parent and the victim first:
 *
 * - the victim's own notify, when the node parent is already stored;
 * - the node incident's notify, right after its parent is stored, for every listed
 *   victim (`victims[].incidentId`) whose item is stored but not linked yet.
 *
 * Because the victim item is written before its NotifyRequest is sent, and the node
 * side reads victim items after storing its parent, at least one side sees the other:
 * a victim whose node parent is not posted yet is acknowledged ("deferred") instead
 * of retried, so nothing waits for a visibility timeout.
 *
 * Exactly once: the reply is found again by its metadata (`role: "victim"`) in the
 * thread before posting, and stored with a conditional write on the victim item's
 * `slack` (`storeParent` when it has no parent, `storePartOf` when it has one from
 * before the correlation was known); a loser that posted deletes its own copy.
 */
import type { Incident } from "../../shared/schema/incident.ts";
import { parentMessage, victimReply } from "./message.ts";
import { ownerRoute, type RoutingConfig } from "./routing.ts";
import { NotifyError, slackCall } from "./slack-errors.ts";
import { incidentMetadata, type SlackPoster } from "./slack-poster.ts";
import type { MessageRef, PartOfRef, SlackRef, SlackRefStore } from "./slack-ref.ts";

export interface VictimLinkDeps {
  poster: SlackPoster;
  refs: SlackRefStore;
  routing: RoutingConfig;
  runbookBaseUrl?: string | undefined;
  warn: (message: string, extra?: Record<string, unknown>) => void;
  count: (metric: string) => void;
}

/** Victims the node side links per run; more than that and the node record is retried to link the rest. */
const MAX_LINKS_PER_RUN = 10;

/** The victim as its messages show it: part of the node incident even before analyze recorded it. */
function asVictim(victim: Incident, nodeId: string, nodeName: string | undefined): Incident {
  if (victim.partOf?.incidentId === nodeId) return victim;
  return { ...victim, partOf: { incidentId: nodeId, kind: "NodeOOM", ...(nodeName ? { node: nodeName } : {}) } };
}

export class VictimLinker {
  constructor(private readonly d: VictimLinkDeps) {}

  /** The reply of a victim that has no parent of its own: updated in place. */
  replyMessage(victim: Incident) {
    const mention = ownerRoute(victim, this.d.routing).mention;
    return victimReply(victim, { runbookBaseUrl: this.d.runbookBaseUrl, ...(mention ? { mention } : {}) });
  }

  /** The own parent of a victim posted before the correlation was known, pointing at the node thread. */
  ownParentMessage(victim: Incident, ref: SlackRef) {
    const route = { ...ownerRoute(victim, this.d.routing), channel: ref.channel };
    const partOf = ref.partOf ?? victim.partOf;
    const url = ref.partOf?.permalink;
    return parentMessage(victim, {
      runbookBaseUrl: this.d.runbookBaseUrl,
      route,
      role: "owner",
      ...(ref.missingChannel ? { missingChannel: ref.missingChannel } : {}),
      ...(partOf ? { partOf: { incidentId: partOf.incidentId, ...(victim.partOf?.node ? { node: victim.partOf.node } : {}), ...(url ? { url } : {}) } } : {}),
    });
  }

  /**
   * Posts the victim's reply in the node incident's thread once and links it on the
   * victim item. Returns the victim's reference afterwards.
   */
  async link(victimIn: Incident, ref: SlackRef | null, nodeId: string, nodeRef: SlackRef, nodeName?: string): Promise<SlackRef> {
    const { poster, refs } = this.d;
    const victim = asVictim(victimIn, nodeId, nodeName ?? victimIn.partOf?.node);
    const thread: MessageRef = { channel: nodeRef.channel, ts: nodeRef.ts };
    const found = await slackCall("conversations.replies", () => poster.findReply(thread, victim.id, "victim"));
    // Found again after a crash between posting and storing: show the current state.
    if (found) await slackCall("chat.update (victim reply)", () => poster.update(found, this.replyMessage(victim), incidentMetadata(victim, "victim", victim.occurrences)));
    const reply =
      found ??
      (await slackCall("chat.postMessage (node thread)", () =>
        poster.post(thread.channel, this.replyMessage(victim), incidentMetadata(victim, "victim", victim.occurrences), thread.ts),
      ));
    const permalink = ref ? await poster.permalink(reply) : undefined; // the own parent links to the reply
    const partOf: PartOfRef = { incidentId: nodeId, thread, reply, ...(permalink ? { permalink } : {}) };
    const dropOurs = async () => {
      if (found) return;
      this.d.count("DuplicateReplyRemoved");
      await poster.delete(reply).catch(() => this.d.warn("could not delete duplicate victim reply", { incidentId: victim.id, ts: reply.ts }));
    };

    if (ref) {
      // Posted on its own before the correlation was known: the parent now points at the node thread.
      await slackCall("chat.update", () => poster.update(ref, this.ownParentMessage(victim, { ...ref, partOf }), incidentMetadata(victim, "owner", ref.revision)));
      if (!(await refs.storePartOf(victim.id, ref.ts, partOf))) {
        await dropOurs();
        const now = await refs.read(victim.id);
        if (!now?.partOf) throw new NotifyError({ action: "retry", code: "victim_link_conflict" }, `incident ${victim.id}: link not stored`);
        return now;
      }
      this.d.count("VictimLinked");
      return { ...ref, partOf };
    }

    const own: SlackRef = { ...reply, revision: victim.occurrences, level: victim.level, partOf };
    const stored = await refs.storeParent(victim.id, own);
    if (!stored.stored) {
      if (stored.existing?.ts !== reply.ts) await dropOurs();
      // Its own parent was stored meanwhile (an older request): link that one on the next attempt.
      if (!stored.existing?.partOf) throw new NotifyError({ action: "retry", code: "victim_link_conflict" }, `incident ${victim.id}: own parent stored meanwhile`);
      return stored.existing;
    }
    this.d.count("VictimLinked");
    return own;
  }

  /**
   * Node side: links the listed victims whose items are stored but not linked yet.
   * Returns how many were linked in this run.
   */
  async linkListed(node: Incident, nodeRef: SlackRef): Promise<number> {
    let linked = 0;
    for (const v of node.victims) {
      if (!v.incidentId || v.incidentId === node.id) continue;
      const stored = await this.d.refs.readIncident(v.incidentId);
      // Not analysed yet: its own notify links it (this parent is stored by then).
      if (!stored || stored.ref?.partOf) continue;
      if (linked >= MAX_LINKS_PER_RUN) {
        throw new NotifyError({ action: "retry", code: "more_victims_to_link" }, `incident ${node.id}: more victims to link than one run posts`);
      }
      await this.link(stored.incident, stored.ref, node.id, nodeRef, node.node);
      linked++;
    }
    return linked;
  }
}
