/** Incident fixtures built through IncidentSchema.parse, so they are valid incidents. */
import { IncidentSchema, type Incident, type NotifyRequest } from "../../shared/schema/incident.ts";

const Mi = 2 ** 20;

type IncidentInput = Parameters<typeof IncidentSchema.parse>[0];

export function containerOom(over: Partial<Record<string, unknown>> = {}): Incident {
  const base = {
    id: "inc-oom-1",
    level: 1,
    kind: "ContainerOOM",
    cluster: "prod-eu",
    namespace: "payments",
    workload: { kind: "Deployment", name: "checkout" },
    container: "api",
    node: "ip-10-0-1-23",
    groupKey: "prod-eu/payments/Deployment/checkout/api/ContainerOOM",
    pods: ["checkout-7d9f-abcde"],
    containers: ["api"],
    occurrences: 1,
    firstSeen: "2026-03-01T02:59:00Z",
    lastSeen: "2026-03-01T02:59:00Z",
    diagnosis: { causes: ["JVM_HEAP_TOO_LARGE", "USAGE_ABOVE_REQUEST"], summary: "-Xmx900m is 88% of the 1Gi limit; non-heap memory has no room." },
    recommendation: {
      summary: "Lower the heap to 75% of the limit and raise the limit to 1536Mi.",
      container: "api",
      current: { requestBytes: 512 * Mi, limitBytes: 1024 * Mi },
      proposed: { requestBytes: 768 * Mi, limitBytes: 1536 * Mi },
      resultingQos: "Burstable",
      settings: { JAVA_TOOL_OPTIONS: "-XX:MaxRAMPercentage=75" },
      basis: ["peak 1010Mi × 1.2 = 1212Mi, rounded up"],
    },
    enrichment: "live",
    facts: { limitBytes: 1024 * Mi, requestBytes: 512 * Mi, usageBytes: 1010 * Mi, restarts: 4, exitCode: 137 },
    lastMessage: "OOMKilled",
    snapshot: {
      pod: {
        name: "checkout-7d9f-abcde",
        namespace: "payments",
        uid: "uid-1",
        nodeName: "ip-10-0-1-23",
        qosClass: "Burstable",
        workload: { kind: "Deployment", name: "checkout" },
        annotations: {},
        labels: {},
        namespaceAnnotations: {},
        containers: [
          {
            name: "api",
            type: "regular",
            requests: { memory: 512 * Mi },
            limits: { memory: 1024 * Mi },
            memorySettings: { JAVA_TOOL_OPTIONS: "-Xmx900m" },
          },
        ],
      },
    },
    updatedAt: "2026-03-01T02:59:05Z",
  };
  return IncidentSchema.parse({ ...base, ...over } as IncidentInput);
}

export function podEviction(over: Partial<Record<string, unknown>> = {}): Incident {
  return containerOom({
    id: "inc-evict-1",
    level: 2,
    kind: "PodEviction",
    groupKey: "prod-eu/ip-10-0-1-23/PodEviction",
    diagnosis: { causes: ["USAGE_ABOVE_REQUEST", "NODE_OVERCOMMITTED"], summary: "Node memory fell below the eviction threshold; api used 900Mi against a 512Mi request." },
    facts: { evictions: 3, usageBytes: 900 * Mi, requestBytes: 512 * Mi },
    lastMessage: "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.",
    ...over,
  });
}

export function nodeOom(over: Partial<Record<string, unknown>> = {}): Incident {
  return IncidentSchema.parse({
    id: "inc-node-1",
    level: 3,
    kind: "NodeOOM",
    cluster: "prod-eu",
    node: "ip-10-0-9-9",
    groupKey: "prod-eu/ip-10-0-9-9/NodeOOM",
    occurrences: 1,
    firstSeen: "2026-03-01T03:00:00Z",
    lastSeen: "2026-03-01T03:00:00Z",
    diagnosis: { causes: ["NODE_OVERCOMMITTED", "SYSTEM_OOM_VICTIM"], summary: "Pod limits add up to 180% of allocatable; the kernel killed java." },
    enrichment: "live",
    victims: [{ namespace: "payments", pod: "checkout-7d9f-abcde", container: "api" }],
    facts: { process: "java" },
    snapshot: {
      node: {
        name: "ip-10-0-9-9",
        allocatable: { memory: 7 * 1024 * Mi },
        podLimits: { memory: 12.6 * 1024 * Mi },
        usage: { memory: 6.9 * 1024 * Mi },
        topPods: [{ namespace: "payments", name: "checkout-7d9f-abcde", requests: { memory: 512 * Mi }, usage: { memory: 3000 * Mi } }],
      },
    },
    updatedAt: "2026-03-01T03:00:05Z",
    ...over,
  } as IncidentInput);
}

export function notifyRequest(incident: Incident, change: NotifyRequest["change"] = "new", revision = incident.occurrences): NotifyRequest {
  return { version: 1, incidentId: incident.id, change, revision, incident };
}
