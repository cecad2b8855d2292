/**
 * Which clusters an `oomwatch incidents` command covers. `--cluster` (or OOMWATCH_CLUSTER)
 * picks one. Otherwise a local data dir covers every cluster in it (the sandbox plays several
 * scenarios, each with its own cluster); against AWS the default cluster, since finding the
 * clusters there would be a Scan of the whole table.
 */
import { scanClusters } from "../../shared/storage/queries.ts";
import { DEFAULT_CLUSTER } from "./options.ts";
import type { IncidentStore } from "./store.ts";

export interface ClusterScope {
  clusters: string[];
  /** Where the choice came from; hints only suggest `--cluster` when the user made none. */
  from: "flag" | "env" | "data" | "default";
}

export async function resolveClusters(flagCluster: string | undefined, env: NodeJS.ProcessEnv, store: IncidentStore): Promise<ClusterScope> {
  if (flagCluster) return { clusters: [flagCluster], from: "flag" };
  if (env.OOMWATCH_CLUSTER) return { clusters: [env.OOMWATCH_CLUSTER], from: "env" };
  if (store.backend === "local") return { clusters: (await scanClusters(store.doc, store.table)).map((c) => c.cluster), from: "data" };
  return { clusters: [DEFAULT_CLUSTER], from: "default" };
}

/** `cluster prod`, `clusters demo, storm`, or `no cluster yet` for messages. */
export function describeClusters(clusters: readonly string[]): string {
  if (clusters.length === 0) return "no cluster yet";
  return `${clusters.length === 1 ? "cluster" : "clusters"} ${clusters.join(", ")}`;
}
