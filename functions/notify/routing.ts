/**
 * Where an incident's message goes and whom it mentions:
 * pod annotation/label, then namespace annotation/label `oomwatch.io/slack-channel`
 * (mention from `oomwatch.io/owner`, same order), then the namespace→channel map,
 * then the default channel. Level 3 also goes to the ops channel.
 */
import type { Incident } from "../../shared/schema/incident.ts";
import { isSlackChannelId, SLACK_CHANNEL_NAME } from "../../shared/slack-ids.ts";
import { escapeMrkdwn } from "./mrkdwn.ts";

export const CHANNEL_KEY = "oomwatch.io/slack-channel";
export const OWNER_KEY = "oomwatch.io/owner";

export interface RoutingConfig {
  defaultChannel: string;
  /** Namespace → channel (SLACK_CHANNEL_MAP). */
  channelMap?: Record<string, string>;
  /** Level 3 copy (SLACK_OPS_CHANNEL / SLACK_OPS_MENTION). */
  opsChannel?: string;
  opsMention?: string;
}

export type RouteSource = "pod" | "namespace" | "map" | "default";

export interface Route {
  channel: string;
  /** mrkdwn, ready to put in a message. */
  mention?: string;
  source: RouteSource;
}

/** A channel id (`C0123ABCD`, `D0123ABCD`) or name (`#team-x`, `team-x`); anything else is ignored. */
function validChannel(v: string | undefined): string | undefined {
  const s = v?.trim();
  if (!s) return undefined;
  if (isSlackChannelId(s)) return s;
  const name = s.replace(/^#/, "");
  return SLACK_CHANNEL_NAME.test(name) ? `#${name}` : undefined;
}

/**
 * Turns an owner value into a mention. User (`U…`/`W…`) and user-group (`S…`)
 * ids ping; anything else is shown as plain text. Broadcasts (`@here`, `@channel`)
 * are honoured only from configuration (`trusted`), never from cluster annotations.
 */
export function mentionFor(value: string | undefined, trusted = false): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const user = /^(?:<@)?([UW][A-Z0-9]{6,})>?$/.exec(v);
  if (user) return `<@${user[1]}>`;
  const group = /^(?:<!)?(?:subteam\^)?(S[A-Z0-9]{6,})(?:\|[^>]*)?>?$/.exec(v);
  if (group) return `<!subteam^${group[1]}>`;
  const broadcast = /^(?:<!|@)?(here|channel)>?$/.exec(v);
  if (broadcast && trusted) return `<!${broadcast[1]}>`;
  return escapeMrkdwn(v.length > 80 ? `${v.slice(0, 79)}…` : v);
}

function lookup(incident: Incident, key: string): { value: string; source: "pod" | "namespace" } | undefined {
  const pod = incident.snapshot.pod;
  const podValue = pod?.annotations[key] ?? pod?.labels[key];
  if (podValue) return { value: podValue, source: "pod" };
  const nsValue = pod?.namespaceAnnotations[key];
  return nsValue ? { value: nsValue, source: "namespace" } : undefined;
}

export function ownerRoute(incident: Incident, cfg: RoutingConfig): Route {
  const mention = mentionFor(lookup(incident, OWNER_KEY)?.value);
  const withMention = (r: Route): Route => (mention ? { ...r, mention } : r);
  const annotated = lookup(incident, CHANNEL_KEY);
  const fromAnnotation = validChannel(annotated?.value);
  if (annotated && fromAnnotation) return withMention({ channel: fromAnnotation, source: annotated.source });
  const fromMap = incident.namespace ? validChannel(cfg.channelMap?.[incident.namespace]) : undefined;
  if (fromMap) return withMention({ channel: fromMap, source: "map" });
  return withMention({ channel: cfg.defaultChannel, source: "default" });
}

/** The ops copy of a Level 3 incident, when an ops channel is configured and differs from the owner's. */
export function opsRoute(incident: Incident, cfg: RoutingConfig, owner: Route): Route | undefined {
  if (incident.level !== 3 || !cfg.opsChannel) return undefined;
  const norm = (c: string) => c.replace(/^#/, "");
  if (norm(cfg.opsChannel) === norm(owner.channel)) return undefined;
  const mention = mentionFor(cfg.opsMention, true);
  return { channel: cfg.opsChannel, source: "default", ...(mention ? { mention } : {}) };
}

/** Owner route and the Level 3 ops copy; when both are the same channel, one message carries both mentions. */
export function routesFor(incident: Incident, cfg: RoutingConfig): { owner: Route; ops?: Route } {
  const owner = ownerRoute(incident, cfg);
  const ops = opsRoute(incident, cfg, owner);
  if (ops) return { owner, ops };
  const opsMention = incident.level === 3 && cfg.opsChannel ? mentionFor(cfg.opsMention, true) : undefined;
  if (!opsMention) return { owner };
  return { owner: { ...owner, mention: owner.mention ? `${owner.mention} ${opsMention}` : opsMention } };
}
