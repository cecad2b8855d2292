/**
 * Block Kit and mrkdwn to HTML, as the Slack client shows them. Only what Slack renders is
 * rendered: a block or element this view does not know, or blocks Slack would reject
 * (validateBlocks, the sink's own check), become a visible error box instead of a guess.
 * Metadata is never shown (Slack hides it too).
 */
import type { SinkChannel, SinkFile, SinkMessage } from "../slack-sink/types.ts";
import { validateBlocks } from "../slack-sink/validate.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface RenderContext {
  channels: SinkChannel[];
  /** The bot's user id, shown by name like Slack does for known users. */
  users?: Record<string, string>;
}

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML[c] ?? c);
/** Slack's three entities back to characters (before HTML escaping). */
const decodeSlack = (s: string): string => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The shortcodes oomwatch's messages use, plus a few common ones; others stay as text, as in Slack. */
const EMOJI: Readonly<Record<string, string>> = {
  red_circle: "🔴",
  large_yellow_circle: "🟡",
  large_orange_circle: "🟠",
  large_green_circle: "🟢",
  link: "🔗",
  arrow_double_up: "⏫",
  repeat: "🔁",
  warning: "⚠️",
  rotating_light: "🚨",
  white_check_mark: "✅",
  chart_with_upwards_trend: "📈",
  fire: "🔥",
  memo: "📝",
};
const emoji = (html: string): string => html.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => (EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : m));

const safeUrl = (url: string): string | undefined => (/^(https?:|mailto:)/i.test(url) ? url : undefined);

/** One `<...>` control sequence as HTML. */
function control(inner: string, ctx: RenderContext): string {
  const [target = "", label] = splitLabel(inner);
  const date = /^!date\^(\d+)\^([^^]*)(?:\^(.*))?$/.exec(target);
  if (date) {
    const iso = new Date(Number(date[1]) * 1000).toISOString();
    const fallback = escapeHtml(decodeSlack(label ?? iso));
    // The page formats it in the reader's time zone (view.js); the fallback shows until then.
    const time = `<time class="slack-date" datetime="${iso}" data-format="${escapeHtml(date[2] ?? "")}">${fallback}</time>`;
    const link = date[3] ? safeUrl(date[3]) : undefined;
    return link ? `<a href="${escapeHtml(link)}" target="_blank" rel="noopener">${time}</a>` : time;
  }
  const special = /^!(here|channel|everyone)$/.exec(target);
  if (special) return `<span class="mention">@${special[1]}</span>`;
  const subteam = /^!subteam\^([A-Z0-9]+)$/.exec(target);
  if (subteam) return `<span class="mention">${escapeHtml(decodeSlack(label ?? `@${subteam[1]}`))}</span>`;
  const user = /^@([UW][A-Z0-9]+)$/.exec(target);
  if (user) return `<span class="mention">@${escapeHtml(decodeSlack(label ?? ctx.users?.[user[1]!] ?? user[1]!))}</span>`;
  const channel = /^#(C[A-Z0-9]+)$/.exec(target);
  if (channel) {
    const name = label ?? ctx.channels.find((c) => c.id === channel[1])?.name ?? channel[1]!;
    return `<a class="mention channel-link" href="/archives/${channel[1]}">#${escapeHtml(decodeSlack(name))}</a>`;
  }
  const url = safeUrl(decodeSlack(target));
  if (url) return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(decodeSlack(label ?? target))}</a>`;
  return escapeHtml(`<${decodeSlack(inner)}>`);
}

function splitLabel(inner: string): [string, string | undefined] {
  const bar = inner.indexOf("|");
  return bar < 0 ? [inner, undefined] : [inner.slice(0, bar), inner.slice(bar + 1)];
}

/**
 * mrkdwn to HTML: code blocks and inline code first (nothing inside them is formatted), then
 * control sequences, then *bold*, _italic_, ~strike~ at word boundaries, emoji and line breaks.
 */
export function mrkdwnToHtml(src: string, ctx: RenderContext): string {
  // Finished HTML is held out of the text behind private-use markers while the rest is formatted.
  const held: string[] = [];
  const hold = (html: string) => `\uE000${held.push(html) - 1}\uE001`;
  let text = src.replace(/```\n?([\s\S]*?)\n?```|`([^`\n]+)`|<([^<>\n]+)>/g, (_m, block?: string, code?: string, ctl?: string) => {
    if (block !== undefined) return hold(`<pre class="code-block">${escapeHtml(decodeSlack(block))}</pre>`);
    if (code !== undefined) return hold(`<code>${escapeHtml(decodeSlack(code))}</code>`);
    return hold(control(ctl ?? "", ctx));
  });
  text = escapeHtml(decodeSlack(text));
  // Slack formats only at word edges: snake_case_names and 2*3*4 stay as they are.
  const edge = "(^|[^\\w])";
  const end = "(?=$|[^\\w])";
  const wrap = (mark: string, tag: string) => {
    const m = mark === "*" ? "\\*" : mark;
    text = text.replace(new RegExp(`${edge}${m}(?! )([^${m}\\n]+?)${m}${end}`, "g"), (_x, pre: string, inner: string) => `${pre}<${tag}>${inner}</${tag}>`);
  };
  wrap("*", "b");
  wrap("_", "i");
  wrap("~", "s");
  // A line starting with ">" (escaped by now) is a quote; consecutive quote lines form one block.
  text = emoji(text)
    .replace(/^&gt; ?(.*)$/gm, "\uE002$1")
    .replace(/(?:^\uE002.*(?:\n|$))+/gm, (q) => `<blockquote>${q.replace(/\n$/, "").replace(/\uE002/g, "").replace(/\n/g, "<br>")}</blockquote>`)
    .replace(/\n/g, "<br>");
  // Restore held parts (they may nest only one level: a code span is never inside a link).
  return text.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => held[Number(i)] ?? "");
}

function textObject(v: unknown, ctx: RenderContext): string {
  if (!isObj(v) || typeof v.text !== "string") return errorBox("text object without text");
  if (v.type === "mrkdwn") return mrkdwnToHtml(v.text, ctx);
  if (v.type === "plain_text") {
    const html = escapeHtml(v.text).replace(/\n/g, "<br>");
    return v.emoji === false ? html : emoji(html);
  }
  return errorBox(`unknown text type "${String(v.type)}"`);
}

export function errorBox(what: string): string {
  return `<div class="error-box" role="alert"><b>This content can't be displayed.</b> ${escapeHtml(what)}</div>`;
}

function button(el: Obj, ctx: RenderContext): string {
  const style = el.style === "primary" || el.style === "danger" ? ` btn-${el.style}` : "";
  const label = textObject(el.text, ctx);
  const url = typeof el.url === "string" ? safeUrl(el.url) : undefined;
  return url ? `<a class="btn${style}" href="${escapeHtml(url)}" target="_blank" rel="noopener">${label}</a>` : `<button class="btn${style}" type="button">${label}</button>`;
}

function imageUrl(el: Obj): string | undefined {
  if (typeof el.image_url === "string") return safeUrl(el.image_url);
  const file = isObj(el.slack_file) ? el.slack_file : undefined;
  if (file && typeof file.id === "string") return `/files/${encodeURIComponent(file.id)}`;
  if (file && typeof file.url === "string") return safeUrl(file.url);
  return undefined;
}

function element(el: unknown, ctx: RenderContext, where: string): string {
  if (!isObj(el)) return errorBox(`${where}: not an element`);
  if (el.type === "button") return button(el, ctx);
  if (el.type === "image") {
    const src = imageUrl(el);
    return src ? `<img class="element-image" src="${escapeHtml(src)}" alt="${escapeHtml(String(el.alt_text ?? ""))}">` : errorBox(`${where}: image without a URL`);
  }
  return errorBox(`${where}: element type "${String(el.type)}" is not rendered by this view`);
}

function block(b: unknown, ctx: RenderContext): string {
  if (!isObj(b)) return errorBox("a block that is not an object");
  switch (b.type) {
    case "header":
      return `<div class="block header">${textObject(b.text, ctx)}</div>`;
    case "divider":
      return `<hr class="block divider">`;
    case "section": {
      const text = b.text !== undefined ? `<div class="section-text">${textObject(b.text, ctx)}</div>` : "";
      const fields = Array.isArray(b.fields) ? `<div class="fields">${b.fields.map((f) => `<div class="field">${textObject(f, ctx)}</div>`).join("")}</div>` : "";
      const accessory = b.accessory !== undefined ? `<div class="accessory">${element(b.accessory, ctx, "section accessory")}</div>` : "";
      return `<div class="block section"><div class="section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case "context": {
      const els = Array.isArray(b.elements) ? b.elements : [];
      const html = els.map((e) => (isObj(e) && e.type === "image" ? element(e, ctx, "context") : `<span class="context-text">${textObject(e, ctx)}</span>`));
      return `<div class="block context">${html.join("")}</div>`;
    }
    case "image": {
      const src = imageUrl(b);
      if (!src) return errorBox("image block without image_url or slack_file");
      const title = isObj(b.title) ? `<div class="image-title">${textObject(b.title, ctx)}</div>` : "";
      return `<div class="block image">${title}<img src="${escapeHtml(src)}" alt="${escapeHtml(String(b.alt_text ?? ""))}"></div>`;
    }
    case "actions": {
      const els = Array.isArray(b.elements) ? b.elements : [];
      return `<div class="block actions">${els.map((e) => element(e, ctx, "actions")).join("")}</div>`;
    }
    case "file":
      return `<div class="block file-card">Remote file <code>${escapeHtml(String(b.external_id ?? "?"))}</code></div>`;
    default:
      return errorBox(`block type "${String(b.type)}" is not rendered by this view`);
  }
}

/** The message body: its blocks (Slack shows `text` only when there are none), else its text. */
export function renderBody(m: Pick<SinkMessage, "text" | "blocks">, ctx: RenderContext): string {
  if (m.blocks?.length) {
    const problems = validateBlocks(m.blocks);
    const rejected = problems.length ? errorBox(`Slack would reject these blocks: ${problems.join("; ")}`) : "";
    return rejected + m.blocks.map((b) => block(b, ctx)).join("");
  }
  return m.text ? `<div class="text">${mrkdwnToHtml(m.text, ctx)}</div>` : "";
}

/** Files shared with a message: images inline (like Slack's previews), others as a card. */
export function renderFiles(files: SinkFile[] | undefined): string {
  if (!files?.length) return "";
  return files
    .map((f) => {
      const href = `/files/${encodeURIComponent(f.id)}/${encodeURIComponent(f.name)}`;
      if (f.mimetype.startsWith("image/")) {
        return `<figure class="file image-file" data-file="${escapeHtml(f.id)}"><figcaption>${escapeHtml(f.title)}</figcaption><a href="${href}" target="_blank"><img src="${href}" alt="${escapeHtml(f.alt_txt ?? f.title)}"></a></figure>`;
      }
      return `<a class="file file-card" data-file="${escapeHtml(f.id)}" href="${href}" target="_blank">📄 ${escapeHtml(f.title)} <span class="size">${f.size} B</span></a>`;
    })
    .join("");
}
