/**
 * The local Slack view in a real browser (Debian's headless Chromium through playwright-core): the
 * demo scenario plays in a sandbox whose view is open from the start, and the page must show what
 * Slack would show — each incident's parent in its channel with its level and title, the thread
 * replies under it, the escalation edit, the memory chart loaded, no error boxes. Screenshots of
 * every channel go to test-results/slack-view/ (OOMWATCH_UPDATE_DOCS_IMG=1 also refreshes the
 * README's docs/img/slack-view.png).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebClient } from "@slack/web-api";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSandbox, type SandboxResult } from "../../sandbox/run.ts";
import { sinkDataPaths, type SinkMessage, type WorkspaceState } from "../../sandbox/slack-sink.ts";
import { standInMemoryChart } from "./support/png.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "../..");
const SHOTS = join(ROOT, "test-results/slack-view");
/** What the demo produces (sandbox/scenarios/demo.yaml): channel -> parent titles, level first. */
const DEMO_PARENTS: Record<string, string[]> = {
  "payments-oncall": ["Level 2 · Container OOM · payments/deployment/ledger-api"],
  "oom-alerts": [
    "Heads-up (Level 0, no page) · Node memory high · node node-b",
    "Heads-up (Level 0, no page) · Node memory high · node node-c",
    "Level 2 · Pod eviction · node node-b",
    "Level 3 · Node OOM · node node-c",
  ],
  ops: ["Level 3 · Node OOM · node node-c"],
  // Memory history: the leaking cart is warned (Level 0) and then OOM-killed; the spiking search is not warned.
  "shop-oncall": ["Heads-up (Level 0, no page) · Memory near limit · shop/deployment/cart/app", "Level 1 · Container OOM · shop/deployment/search", "Level 1 · Container OOM · shop/deployment/cart"],
};
/** A node-OOM victim may keep its own parent when analysed before the node OOM (see test/sandbox/e2e.test.ts). */
const OPTIONAL_PARENT = /^Level 1 · Container OOM · platform\/deployment\/log-shipper$/;

const dir = mkdtempSync(join(tmpdir(), "oomwatch-browser-"));
const dataDir = join(dir, "data");
let context: BrowserContext;
let page: Page;
let viewUrl = "";
let sinkUrl = "";
let stop: () => void = () => {};
let run: Promise<SandboxResult>;
let output = "";
const pageErrors: string[] = [];

const state = (): WorkspaceState => JSON.parse(readFileSync(sinkDataPaths(dataDir).stateFile, "utf8")) as WorkspaceState;
/** A parent's title: its header block, or for a Level 0 heads-up (one section) its first line without markup. */
const header = (m: SinkMessage) => {
  const h = m.blocks?.find((b) => (b as { type?: string }).type === "header") as { text?: { text?: string } } | undefined;
  if (h?.text?.text) return h.text.text;
  const s = m.blocks?.find((b) => (b as { type?: string }).type === "section") as { text?: { text?: string } } | undefined;
  return s?.text?.text?.split("\n").find((l) => l.includes("Heads-up"))?.replace(/[*`]/g, "");
};

async function until(what: string, check: () => boolean, timeoutMs = 120_000, detail: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium (or set CHROMIUM_PATH)`).toBe(true);
  mkdirSync(SHOTS, { recursive: true });
  const interrupted = new Promise<void>((resolve) => {
    stop = resolve;
  });
  run = runSandbox(
    { scenario: "demo", dataDir, speed: 4, viewPort: 0 },
    {
      out: {
        write: (t) => {
          output += t;
        },
        isTTY: false,
      },
      interrupted,
    },
  );
  await until("the Slack view's address", () => /Slack view: (http\S+)/.test(output), 90_000);
  viewUrl = /Slack view: (http\S+)/.exec(output)![1]!;
  sinkUrl = /Slack sink (http\S+\/api\/)/.exec(output)![1]!;
  context = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  // Script errors and refused resources (CSP, 404) would be invisible in the screenshots.
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`${m.text()} (${m.location().url})`);
  });
});

afterAll(async () => {
  stop();
  await run?.catch(() => undefined);
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local Slack view in Chromium", () => {
  it("updates live while the demo plays", async () => {
    await page.goto(viewUrl);
    // Page-side code as strings: the project compiles without the DOM library.
    await page.evaluate("window.notReloaded = true");
    // The demo posts its first parent seconds after the start; the open page must show it unasked.
    await page.waitForSelector("article.msg.parent", { timeout: 120_000 });
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    expect(Number(await page.evaluate("document.body.dataset.version"))).toBeGreaterThan(0);
  });

  it("shows each incident's parent in its channel with level and title, threads, the edit, the chart and no error boxes", async () => {
    await until("the demo to finish", () => output.includes("scenario finished"), 180_000);
    // The pipeline keeps notifying after the last step: wait until every demo parent and the escalation are in.
    await until(
      "every demo parent and the escalation edit",
      () => {
        const s = state();
        const titles = (name: string) => s.messages.filter((m) => m.channelName === name && !m.thread_ts).map(header);
        const all = Object.entries(DEMO_PARENTS).every(([ch, want]) => want.every((t) => titles(ch).some((h) => h?.endsWith(t))));
        return all && s.messages.some((m) => m.text.includes("Escalated to Level 2"));
      },
      120_000,
      () => {
        const s = state();
        return `parents seen: ${JSON.stringify(s.messages.filter((m) => !m.thread_ts).map((m) => `#${m.channelName}: ${header(m)}`))}`;
      },
    );

    let s = state();
    const ledger = s.messages.find((m) => !m.thread_ts && header(m)?.endsWith(DEMO_PARENTS["payments-oncall"]![0]!))!;
    // Until the memory chart is part of the demo, upload one the way notify would: files.uploadV2 into the thread.
    if (!s.messages.some((m) => m.files?.some((f) => f.mimetype === "image/png"))) {
      const slack = new WebClient("xoxb-oomwatch-sandbox", { slackApiUrl: sinkUrl });
      await slack.files.uploadV2({
        channel_id: ledger.channel,
        thread_ts: ledger.ts,
        file: standInMemoryChart(),
        filename: "memory-ledger-api.png",
        title: "Memory of payments/deployment/ledger-api",
        alt_text: "memory usage against the limit",
      });
      s = state();
    }

    for (const channel of s.channels) {
      await page.goto(`${viewUrl}archives/${channel.id}`);
      const parents = s.messages.filter((m) => m.channel === channel.id && !m.thread_ts);
      const shown = await page.$$eval(".channel-pane article.msg.parent", (els) =>
        els.map((e) => ({
          ts: e.getAttribute("data-ts"),
          // A Level 0 heads-up has no header block: its title is the section's "Heads-up" line
          // (innerText, not textContent: the line breaks of the rendered <br>s matter here).
          header: (
            e.querySelector(".block.header")?.textContent ??
            // biome-ignore lint/performance/useDomNodeTextContent: the rendered line breaks are what separate the lines
            (e.querySelector(".block.section") as unknown as { innerText?: string } | null)?.innerText?.split("\n").find((l) => l.includes("Heads-up")) ??
            ""
          ).trim(),
          replies: e.querySelector(".reply-count")?.textContent ?? "",
          edited: e.querySelector(".edited") !== null,
        })),
      );
      expect(shown.map((p) => p.ts)).toEqual(parents.map((m) => m.ts));
      const want = DEMO_PARENTS[channel.name] ?? [];
      for (const title of want) expect(shown.some((p) => p.header.endsWith(title)), `#${channel.name}: ${title}`).toBe(true);
      for (const p of shown) {
        const known = want.some((t) => p.header.endsWith(t)) || OPTIONAL_PARENT.test(p.header.replace(/^\S+\s/, ""));
        expect(known, `unexpected parent in #${channel.name}: ${p.header}`).toBe(true);
      }
      for (const parent of parents) {
        const n = s.messages.filter((m) => m.thread_ts === parent.ts).length;
        const p = shown.find((x) => x.ts === parent.ts)!;
        expect(p.replies).toBe(n ? `${n} ${n === 1 ? "reply" : "replies"}` : "");
        expect(p.edited).toBe(parent.edits.length > 0);
      }
      expect(await page.locator(".error-box").count(), `error boxes in #${channel.name}`).toBe(0);
      // The panes scroll inside a one-screen layout: a window as tall as the channel shows all of it.
      const height = Number(await page.evaluate('document.querySelector(".channel-pane").scrollHeight'));
      await page.setViewportSize({ width: 1400, height: Math.min(Math.max(900, height), 12_000) });
      await page.screenshot({ path: join(SHOTS, `${channel.name}.png`) });
      await page.setViewportSize({ width: 1400, height: 900 });
    }

    // The escalated incident: parent edited to Level 2, the escalation and the chart in its thread.
    const reply = s.messages.find((m) => m.thread_ts === ledger.ts && m.text.includes("Escalated to Level 2"))!;
    await page.goto(`${viewUrl}archives/${ledger.channel}/p${reply.ts.replace(".", "")}?thread_ts=${ledger.ts}`);
    const thread = page.locator(".thread-pane");
    await expect(thread.locator("article.msg.parent .block.header").textContent()).resolves.toContain("Level 2");
    expect(await thread.locator("article.msg.parent .edited").count()).toBe(1);
    expect(await thread.locator("article.msg.reply.highlight").getAttribute("data-ts")).toBe(reply.ts);
    await expect(thread.locator("article.msg.reply.highlight").textContent()).resolves.toContain("Escalated to Level 2");
    const replies = s.messages.filter((m) => m.thread_ts === ledger.ts).map((m) => m.ts);
    expect(await thread.locator("article.msg.reply").evaluateAll((els) => els.map((e) => e.getAttribute("data-ts")))).toEqual(replies);
    const chart = thread.locator(".image-file img").first();
    await chart.scrollIntoViewIfNeeded();
    await page.waitForFunction('(() => { const img = document.querySelector(".thread-pane .image-file img"); return img?.complete && img.naturalWidth > 0; })()');
    expect(await chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator(".error-box").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "thread-escalation.png") });
    expect(pageErrors).toEqual([]);
    if (process.env.OOMWATCH_UPDATE_DOCS_IMG === "1") copyFileSync(join(SHOTS, "thread-escalation.png"), join(ROOT, "docs/img/slack-view.png"));
  });
});
