/**
 * Turns an occurrence into the SQS message body: validated against the shared
 * schema and trimmed, step by step, until it fits under MAX_MESSAGE_BYTES.
 * Never throws: evidence is optional, the occurrence itself is not.
 */
import { TRIM_MIN_DOWNSAMPLED, traceJsonBytes, trimTrace } from "../shared/memory/trace.ts";
import { MAX_MESSAGE_BYTES } from "../shared/resources.ts";
import { type Occurrence, type OccurrenceInput, OccurrenceSchema } from "../shared/schema/occurrence.ts";

export interface FinalMessage {
  occurrence: Occurrence;
  body: string;
  /** Names of the trim steps applied, for a log line. */
  trimmed: string[];
}

type Step = [name: string, apply: (o: Occurrence) => void];

/** Least valuable evidence first. */
const STEPS: Step[] = [
  [
    "logTail",
    (o) => {
      delete o.snapshot.pod?.logTail;
    },
  ],
  [
    "topPods",
    (o) => {
      if (o.snapshot.node) o.snapshot.node.topPods = [];
    },
  ],
  [
    "memorySettings",
    (o) => {
      for (const c of o.snapshot.pod?.containers ?? []) c.memorySettings = {};
    },
  ],
  [
    "otherContainers",
    (o) => {
      const pod = o.snapshot.pod;
      if (pod) pod.containers = pod.containers.filter((c) => c.name === o.container?.name);
    },
  ],
  [
    "nodeSnapshot",
    (o) => {
      delete o.snapshot.node;
    },
  ],
  [
    "podSnapshot",
    (o) => {
      delete o.snapshot.pod;
    },
  ],
  [
    "message",
    (o) => {
      if (o.message) o.message = o.message.slice(0, 256);
    },
  ],
  [
    "evictionContainers",
    (o) => {
      if (o.eviction) o.eviction.containers = o.eviction.containers.slice(0, 5);
    },
  ],
];

const size = (body: string) => Buffer.byteLength(body, "utf8");

function validate(input: OccurrenceInput): { occurrence?: Occurrence; trimmed: string[] } {
  const full = OccurrenceSchema.safeParse(input);
  if (full.success) return { occurrence: full.data, trimmed: [] };
  // Bad evidence must not cost the occurrence: retry without it.
  const bare = OccurrenceSchema.safeParse({ ...input, snapshot: {} });
  return bare.success ? { occurrence: bare.data, trimmed: ["invalidSnapshot"] } : { trimmed: [] };
}

/**
 * What the memory trace keeps while other evidence is dropped: room for a downsampled run-up
 * (TRIM_MIN_DOWNSAMPLED samples of ~30 bytes plus the envelope), enough for a shape.
 */
const TRACE_FLOOR_BYTES = 200 + TRIM_MIN_DOWNSAMPLED * 32;

/** Trims the trace so the message fits, but not below `floor`; true when it changed. */
function fitTrace(o: Occurrence, body: string, maxBytes: number, floor: number): boolean {
  const trace = o.memoryTrace;
  if (!trace) return false;
  const current = traceJsonBytes(trace);
  const budget = Math.max(floor, maxBytes - (size(body) - current));
  if (current <= budget) return false;
  o.memoryTrace = trimTrace(trace, budget);
  return true;
}

/** Returns undefined only when the occurrence itself (not its evidence) is invalid. */
export function toMessage(input: OccurrenceInput, maxBytes = MAX_MESSAGE_BYTES): FinalMessage | undefined {
  const { occurrence, trimmed } = validate(input);
  if (!occurrence) return undefined;
  let body = JSON.stringify(occurrence);
  // The trace is trimmed first (merged by max, so the peak survives): cheaper than losing a snapshot.
  if (size(body) > maxBytes && fitTrace(occurrence, body, maxBytes, TRACE_FLOOR_BYTES)) {
    trimmed.push("memoryTrace");
    body = JSON.stringify(occurrence);
  }
  for (const [name, apply] of STEPS) {
    if (size(body) <= maxBytes) break;
    apply(occurrence);
    trimmed.push(name);
    body = JSON.stringify(occurrence);
  }
  // Still too big (only an absurd budget gets here): the trace gives up its samples, then topContainers.
  if (size(body) > maxBytes && fitTrace(occurrence, body, maxBytes, 0)) {
    trimmed.push("memoryTraceSamples");
    body = JSON.stringify(occurrence);
  }
  if (size(body) > maxBytes && occurrence.topContainers) {
    delete occurrence.topContainers;
    trimmed.push("topContainers");
    body = JSON.stringify(occurrence);
  }
  return { occurrence, body, trimmed };
}

/** Why an occurrence failed validation (for the error log). */
export function validationProblems(input: OccurrenceInput): string {
  const result = OccurrenceSchema.safeParse({ ...input, snapshot: {} });
  return result.success ? "" : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}
