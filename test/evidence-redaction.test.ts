/**
 * The previous container's log tail is redacted where it is shown, not only in the forwarder
 * (issue #15, item 6): a record with an unredacted secret, as an older forwarder or a hand edit
 * could leave it, shows it redacted in `oomwatch incidents show` and in notify's thread evidence.
 */
import { describe, expect, it } from "vitest";
import { formatIncident } from "../cli/incidents/format-show.ts";
import { runbookReply } from "../functions/notify/message.ts";
import { redact } from "../shared/redact.ts";
import type { Incident } from "../shared/schema/incident.ts";
import { visibleText } from "../sandbox/slack-sink/render.ts";
import { containerOom } from "./notify/fixtures.ts";

const TAIL = [
  "2026-03-01 02:58:59 INFO loading 1200000 entries",
  "2026-03-01 02:59:00 DEBUG connect jdbc:postgresql://db:5432/ledger?user=ledger&password=hunter2",
  "2026-03-01 02:59:00 DEBUG Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
];

/** An incident whose stored log tail was never redacted. */
function unredacted(): Incident {
  const i = containerOom();
  return { ...i, snapshot: { ...i.snapshot, pod: { ...i.snapshot.pod!, logTail: TAIL } } };
}

describe("log tail redaction at display time", () => {
  it("incidents show: the log tail section shows the lines with their secrets redacted", () => {
    const text = formatIncident(unredacted());
    expect(text).toContain("Log tail (previous container, redacted)");
    expect(text).toContain("    2026-03-01 02:58:59 INFO loading 1200000 entries");
    expect(text).toContain("password=[REDACTED]");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("eyJhbGciOiJIUzI1NiJ9");
  });

  it("notify: the thread's evidence block shows the lines with their secrets redacted", () => {
    const reply = runbookReply(unredacted(), {});
    const text = visibleText(reply);
    expect(text).toContain("Last log lines of the killed container");
    expect(text).toContain("password=[REDACTED]");
    expect(JSON.stringify(reply)).not.toContain("hunter2");
    expect(JSON.stringify(reply)).not.toContain("eyJhbGciOiJIUzI1NiJ9");
  });

  it("redacting a line the forwarder already redacted changes nothing", () => {
    for (const line of [...TAIL, "postgres://app:pa55word@db:5432/x", "slack xoxb-1234-5678-abcdef"]) {
      const once = redact(line);
      expect(redact(once)).toBe(once);
    }
  });
});
