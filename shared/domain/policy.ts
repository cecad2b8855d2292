/**
 * Escalation and grouping policy. Defaults are those of docs/design.md "Severity and
 * escalation"; ESCALATION_POLICY (JSON) overrides any subset, e.g. `{"frequentOom":{"count":5}}`.
 */
import * as z from "../schema/zod.ts";
import { nonNegativeInt, positiveOr as positive } from "../schema/zod.ts";

const CRITICAL_PRIORITY_CLASSES = ["system-node-critical", "system-cluster-critical"];
/** Processes whose death takes the node's workloads with it. */
const CRITICAL_PROCESSES = ["kubelet", "containerd", "dockerd", "crio", "containerd-shim", "containerd-shim-runc-v2", "runc"];

const thresholdSchema = (count: number, windowMinutes: number) =>
  z.prefault(z.object({ count: z._default(nonNegativeInt, count), windowMinutes: positive(windowMinutes) }), {});

export const EscalationPolicySchema = z.object({
  /** An incident stays open while occurrences keep coming at most this long after the last one. */
  groupWindowMinutes: positive(60),
  /** More than `count` OOMs of one workload's container in `windowMinutes` -> Level 2. */
  frequentOom: thresholdSchema(3, 60),
  /** More than `count` evictions in the cluster in `windowMinutes` -> Level 3. */
  massEviction: thresholdSchema(10, 30),
  /** Container OOMs within +-this of a SystemOOM/OOMKilling on the same node are its victims. */
  correlationWindowSeconds: positive(120),
  /** Eviction of a Guaranteed pod -> Level 3. */
  escalateGuaranteedEviction: z._default(z.boolean(), true),
  criticalPriorityClasses: z._default(z.array(z.string()), CRITICAL_PRIORITY_CLASSES),
  criticalProcesses: z._default(z.array(z.string()), CRITICAL_PROCESSES),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicySchema>;
export type EscalationPolicyInput = z.input<typeof EscalationPolicySchema>;

export const DEFAULT_POLICY: EscalationPolicy = EscalationPolicySchema.parse({});

/** Policy from ESCALATION_POLICY JSON (or an object); throws with the offending field on a bad value. */
export function parsePolicy(input: string | EscalationPolicyInput | EscalationPolicy | undefined): EscalationPolicy {
  if (input === undefined || input === "") return DEFAULT_POLICY;
  let raw: unknown = input;
  if (typeof input === "string") {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new Error("ESCALATION_POLICY is not valid JSON", { cause: err });
    }
  }
  const parsed = EscalationPolicySchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`ESCALATION_POLICY: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, { cause: parsed.error });
  }
  return parsed.data;
}
