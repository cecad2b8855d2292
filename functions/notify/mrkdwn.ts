/**
 * Safe mrkdwn for untrusted text (Kubernetes names, event messages, log lines).
 * Slack only interprets control sequences inside `<...>`, so escaping `&`, `<`
 * and `>` (Slack's own rule) turns `<!channel>`, `<@U123>` and `<https://x|label>`
 * into plain visible text. Bare `@here`-style words are broken with a zero-width
 * joiner in case a message is ever posted with `link_names`.
 */

const ZWJ = "\u2060";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const neutraliseMentions = (text: string) => text.replace(/@(here|channel|everyone)\b/gi, `@${ZWJ}$1`);

export function escapeMrkdwn(text: string): string {
  return neutraliseMentions(text).replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** Cuts raw text to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? "…".slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/** Escapes, then cuts so the escaped result is at most `max` characters (never inside an entity). */
export function escapeWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = "";
  for (const ch of neutraliseMentions(text)) {
    const e = ENTITIES[ch] ?? ch;
    if (out.length + e.length > max - 1) break;
    out += e;
  }
  return `${out}…`;
}

/** Inline code for one line (names, commands): backticks cannot close it early. */
export function codeSpan(text: string, max = 300): string {
  return `\`${escapeWithin(text.replace(/`/g, "ˋ").replace(/\s*\n\s*/g, " "), max)}\``;
}

/** A fenced code block; a ``` inside the text cannot end it early. */
export function codeBlock(text: string, max = 2000): string {
  return "```\n" + escapeWithin(text.replace(/```/g, "`\u200b``"), max) + "\n```";
}

/** Slack renders the time in each reader's own time zone; the fallback is UTC. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const fallback = new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${fallback}>`;
}

/** A link whose label is escaped; the URL comes from configuration, not from the cluster. */
export function link(url: string, label: string): string {
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(label).replace(/\|/g, "¦")}>`;
}
