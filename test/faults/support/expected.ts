/**
 * The outcome of support/fault-storm.yaml, as the fault-free control run produces it
 * (baseline.test.ts): 21 distinct occurrences in 12 incidents, one Slack parent each
 * (plus the ops copy of the Level 3 node OOM), nothing dead-lettered.
 */
import { byGroup, type IncidentRow, type Outcome } from "./outcome.ts";

function row(group: string, level: number, occurrences: number, ops: boolean, correlation: Pick<IncidentRow, "partOf" | "victims"> = { victims: 0 }): IncidentRow {
  return {
    group,
    level,
    occurrences,
    members: occurrences,
    markers: occurrences,
    ownerParents: 1,
    opsParents: ops ? 1 : 0,
    slackRefMatches: true,
    ...correlation,
  };
}

export function expectedStormOutcome(opts: { deadLetters?: Partial<Outcome["deadLetters"]> } = {}): Outcome {
  const services = Array.from({ length: 8 }, (_, i) => row(`oom|faults|shop|Deployment/svc-0${i + 1}|app`, 1, 1, false));
  return {
    incidents: [
      // 5 OOMs of one workload in an hour: escalated to Level 2
      row("oom|faults|shop|Deployment/api|app", 2, 5, false),
      ...services,
      // 6 evictions during node-c's MemoryPressure window + the pressure itself: one node incident
      row("nodemem|faults|node-c", 2, 7, false),
      row("nodeoom|faults|node-d", 3, 1, true),
    ].sort(byGroup),
    occurrencesByKind: { ContainerOOM: 13, PodEviction: 6, NodeMemoryPressure: 1, NodeOOM: 1 },
    deadLetters: { events: 0, analyze: 0, notify: 0, ...opts.deadLetters },
    slack: { posted: 12, deleted: 0 },
  };
}
