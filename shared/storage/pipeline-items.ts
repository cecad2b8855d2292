/**
 * Grouping state of ingest and analyze in the single incidents table, next to the
 * incident items (see shared/resources.ts). None of these items carries index
 * attributes, so the secondary indexes stay incident-only.
 *
 * | item               | pk                              | sk                                 |
 * |--------------------|---------------------------------|------------------------------------|
 * | occurrence marker  | `OCC#<occurrenceKey>`           | `OCC`                              |
 * | group              | `GROUP#<groupKey>`              | `GROUP`                            |
 * | incident member    | `INC#<incidentId>`              | `MEMBER#<occurredAt UTC>#<occKey>` |
 * | node log           | `NODELOG#<cluster>#<node>`      | `<occurredAt UTC>#<occKey>`        |
 * | cluster evictions  | `EVICTIONS#<cluster>`           | `<occurredAt UTC>#<occKey>`        |
 * | node OOMs          | `NODEOOMS#<cluster>#<node>`     | `<occurredAt UTC>#<occKey>`        |
 * | node pressure      | `PRESSURE#<cluster>#<node>`     | `PRESSURE`                         |
 *
 * Members share the incident's partition: all of an incident's members are one Query
 * (listMembers, when its tally is rebuilt), and a Put of the same member is a no-op (idempotent).
 */
import type { IncidentTally } from "../domain/incident-tally.ts";
import type { IncidentKind } from "../schema/occurrence.ts";
import { utc } from "../time.ts";

export const OCC_SK = "OCC";
export const GROUP_SK = "GROUP";
export const MEMBER_PREFIX = "MEMBER#";

export const pipelineKeys = {
  occurrence: (key: string) => ({ pk: `OCC#${key}`, sk: OCC_SK }),
  group: (groupKey: string) => ({ pk: `GROUP#${groupKey}`, sk: GROUP_SK }),
  member: (incidentId: string, occurredAt: string, key: string) => ({ pk: `INC#${incidentId}`, sk: `${MEMBER_PREFIX}${utc(occurredAt)}#${key}` }),
  nodeLog: (cluster: string, node: string) => `NODELOG#${cluster}#${node}`,
  clusterEvictions: (cluster: string) => `EVICTIONS#${cluster}`,
  /** The node log's NodeOOM entries again, alone: "a node OOM nearby?" reads one item, not every container OOM on the node. */
  nodeOoms: (cluster: string, node: string) => `NODEOOMS#${cluster}#${node}`,
  timed: (occurredAt: string, key: string) => `${utc(occurredAt)}#${key}`,
  /** The node's MemoryPressure state (shared/storage/node-pressure.ts): node incidents stay open while it is True. */
  nodePressure: (cluster: string, node: string) => ({ pk: `PRESSURE#${cluster}#${node}`, sk: "PRESSURE" }),
};

/** Short-lived window state (node log, cluster evictions) is kept this long. */
export const WINDOW_STATE_DAYS = 2;

export interface OccurrenceMarker {
  key: string;
  incidentId: string;
  groupKey: string;
  /** `assigned`: incident chosen, side effects may be incomplete; `done`: fully ingested. */
  state: "assigned" | "done";
  occurredAt: string;
  /** The occurrence itself (JSON), so analyze can re-read any member's snapshot. */
  body: string;
  /**
   * When ingest took the occurrence's last action: it sent no analysis (counts only, or the
   * incident's pending first analysis covers it). Absent when an analysis was requested: then
   * the last action is analyze's or notify's. The sandbox's latency figures end here.
   */
  doneAt?: string;
}

export interface GroupState {
  groupKey: string;
  incidentId: string;
  /** The occurrence that opened the current incident. */
  openedBy: string;
  firstSeen: string;
  lastSeen: string;
  /** Optimistic concurrency: every write sets version + 1 on condition of the version it read (absent before the running tally). */
  version?: number;
  /** Running summary of the current incident (shared/domain/incident-tally.ts); absent on groups written before it. */
  tally?: IncidentTally;
  /**
   * Occurrences counted recently: key -> `<counted at, epoch ms>|<incident id>`. A retry after a
   * crash (or a concurrent duplicate) finds its key here and is not counted again; entries expire
   * once no retry can still come (functions/ingest/group-state.ts).
   */
  counted?: Record<string, string>;
}

export interface NodeLogEntry {
  key: string;
  kind: IncidentKind;
  occurredAt: string;
  incidentId: string;
  namespace?: string;
  pod?: string;
  container?: string;
  process?: string;
}
