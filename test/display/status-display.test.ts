/**
 * The status block on a TTY: redrawn in place under the log lines, never leaving leftovers.
 * A fake terminal records every write; each erase must move up over exactly the rows the
 * previous block took, lines are cut to the width (a wrapped line would take two rows), and
 * the block is drawn again under every log line.
 */
import { describe, expect, test } from "vitest";
import { rowsTaken, StatusDisplay, type StatusSnapshot } from "../../sandbox/status.ts";

const ESC = "\x1b";
/** Cursor up N rows, then erase to the end of the screen. */
const ERASE = new RegExp(`${ESC}\\[(\\d+)A${ESC}\\[0J`);

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    elapsedMs: 1500,
    now: 0,
    phase: "playing",
    observed: { ContainerOOM: 3, PodEviction: 1 },
    forwarded: 4,
    queues: { events: { visible: 1, inFlight: 0, dlq: 0 }, analyze: { visible: 0, inFlight: 2, dlq: 0 }, notify: { visible: 0, inFlight: 0, dlq: 0 } },
    incidents: { "0": 1, "1": 2, "2": 0, "3": 0 },
    slack: { posted: 2, updated: 1, threadReplies: 3 },
    ...over,
  };
}

/** A terminal that records writes; `columns` can change between draws, as a resized window does. */
function fakeTty(columns: number) {
  const writes: string[] = [];
  return { writes, out: { write: (t: string) => void writes.push(t), isTTY: true, columns } };
}

/** The lines of a block write (it ends with a newline). */
const blockLines = (write: string) => write.replace(/\n$/, "").split("\n");

describe("status block on a TTY", () => {
  test("every line is cut short of the width: none wraps", () => {
    const { writes, out } = fakeTty(40);
    new StatusDisplay(out).update(snapshot());
    const lines = blockLines(writes[0]!);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line.length).toBeLessThan(40);
    expect(lines.some((l) => l.endsWith("…"))).toBe(true);
  });

  test("after several redraws and a log line, each erase moves up over exactly the rows drawn before", () => {
    const { writes, out } = fakeTty(50);
    const display = new StatusDisplay(out);
    display.update(snapshot());
    display.update(snapshot({ elapsedMs: 2000, phase: "draining the queues after a long scenario with many steps" }));
    display.log("post      L1  #oom-alerts  OOMKilled: shop/cart");
    display.update(snapshot({ elapsedMs: 2500 }));

    let drawnRows = 0;
    let erases = 0;
    for (const w of writes) {
      const erase = ERASE.exec(w);
      if (erase) {
        expect(Number(erase[1])).toBe(drawnRows);
        drawnRows = 0;
        erases++;
      } else if (w.startsWith("──")) {
        drawnRows = rowsTaken(blockLines(w).map((l) => l.length), 50);
        expect(drawnRows).toBe(blockLines(w).length);
      }
    }
    // The second update's, the log line's and the third update's (the first had nothing to erase).
    expect(erases).toBe(3);
  });

  test("a log line is printed above the block and the block is drawn again under it", () => {
    const { writes, out } = fakeTty(80);
    const display = new StatusDisplay(out);
    display.update(snapshot());
    display.log("resolved  L3  Node OOM  abc: Resolved after 3 min, 1 occurrence");
    expect(writes.slice(1).map((w) => (ERASE.test(w) ? "erase" : w.startsWith("──") ? "block" : w))).toEqual([
      "erase",
      "resolved  L3  Node OOM  abc: Resolved after 3 min, 1 occurrence\n",
      "block",
    ]);
  });

  test("after the window shrinks, the erase covers the rows the old, wider lines now wrap over", () => {
    const { writes, out } = fakeTty(100);
    const display = new StatusDisplay(out);
    display.update(snapshot());
    const wide = blockLines(writes[0]!).map((l) => l.length);
    out.columns = 30;
    display.update(snapshot());
    const erase = ERASE.exec(writes[1]!);
    expect(Number(erase?.[1])).toBe(wide.reduce((rows, len) => rows + Math.ceil(len / 30), 0));
    expect(Number(erase?.[1])).toBeGreaterThan(wide.length);
    for (const line of blockLines(writes[2]!)) expect(line.length).toBeLessThan(30);
  });

  test("rowsTaken: an empty line still takes a row; a line of exactly the width takes one", () => {
    expect(rowsTaken([0, 10, 20, 21], 20)).toBe(1 + 1 + 1 + 2);
  });
});

describe("plain output (CI, pipes)", () => {
  test("no cursor movement: log lines and the one-line status as before", () => {
    const writes: string[] = [];
    const display = new StatusDisplay({ write: (t) => void writes.push(t), isTTY: false });
    display.update(snapshot(), true);
    display.log("post      L1  #oom-alerts  OOMKilled: shop/cart");
    expect(writes.join("")).not.toContain("\x1b[");
    expect(writes[0]).toMatch(/^\[ {2}1\.5s\] playing \| seen 4/);
    expect(writes[1]).toBe("post      L1  #oom-alerts  OOMKilled: shop/cart\n");
  });
});
