/**
 * How an incident is laid out as a DynamoDB item in the single table: the incident
 * record's fields at the top level, plus the key and index attributes. Writers
 * (analyze, notify) and readers (`oomwatch incidents`) both go through here.
 */
import { INCIDENTS_TABLE } from "../resources.ts";
import { IncidentSchema, type Incident } from "../schema/incident.ts";
import { expiresAt } from "./ttl.ts";

export const incidentPk = (id: string): string => `INC#${id}`;
export const INCIDENT_SK = "INCIDENT";

export const indexKeys = {
  cluster: (cluster: string) => `CLUSTER#${cluster}`,
  namespace: (cluster: string, namespace: string) => `NS#${cluster}#${namespace}`,
  workload: (cluster: string, namespace: string, kind: string, name: string) => `WL#${cluster}#${namespace}#${kind}/${name}`,
  node: (cluster: string, node: string) => `NODE#${cluster}#${node}`,
  level: (cluster: string, level: number) => `LEVEL#${cluster}#${level}`,
  time: (firstSeen: string, id: string) => `${firstSeen}#${id}`,
  /** The one partition of the byOpen index: every open incident (a handful at a time). */
  open: "OPEN",
};

export type IncidentItem = Incident & Record<string, unknown>;

export function toIncidentItem(incident: Incident): IncidentItem {
  const t = INCIDENTS_TABLE;
  const item: Record<string, unknown> = {
    ...incident,
    [t.partitionKey]: incidentPk(incident.id),
    [t.sortKey]: INCIDENT_SK,
    clusterKey: indexKeys.cluster(incident.cluster),
    levelKey: indexKeys.level(incident.cluster, incident.level),
    timeKey: indexKeys.time(incident.firstSeen, incident.id),
    [t.ttlAttribute]: expiresAt(incident.lastSeen, t.retentionDays),
  };
  if (incident.namespace) item.namespaceKey = indexKeys.namespace(incident.cluster, incident.namespace);
  if (incident.namespace && incident.workload) {
    item.workloadKey = indexKeys.workload(incident.cluster, incident.namespace, incident.workload.kind, incident.workload.name);
  }
  if (incident.node) item.nodeKey = indexKeys.node(incident.cluster, incident.node);
  if (incident.status === "open") {
    item.openKey = indexKeys.open;
    item.openSort = indexKeys.time(incident.lastSeen, incident.id);
  }
  return item as IncidentItem;
}

const ITEM_ONLY = ["pk", "sk", "clusterKey", "namespaceKey", "workloadKey", "nodeKey", "levelKey", "timeKey", "openKey", "openSort", INCIDENTS_TABLE.ttlAttribute];

/** Strips storage attributes and validates; throws on an item that is not an incident. */
export function fromIncidentItem(item: Record<string, unknown>): Incident {
  const copy: Record<string, unknown> = { ...item };
  for (const k of ITEM_ONLY) delete copy[k];
  return IncidentSchema.parse(copy);
}
