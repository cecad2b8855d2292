/**
 * Where `oomwatch incidents` reads from: the local data directory (dynalite
 * started in this process on the sandbox's LevelDB files, stopped afterwards)
 * or a DynamoDB table in AWS (or any endpoint speaking its protocol).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createAwsClients } from "../../shared/clients/aws.ts";
import { INCIDENTS_TABLE } from "../../shared/resources.ts";
import { localDynamoPath, startLocalAws } from "../../sandbox/local-aws.ts";
import { UsageError } from "./options.ts";

export interface IncidentStore {
  doc: DynamoDBDocumentClient;
  table: string;
  /** local: the sandbox's data dir, where listing every cluster (a Scan) is cheap. */
  backend: "local" | "aws";
  /** Human description for messages, e.g. `table oomwatch-incidents in .oomwatch/data`. */
  describe: string;
  close(): Promise<void>;
}

export interface StoreFlags {
  dataDir?: string;
  table?: string;
  region?: string;
  endpoint?: string;
}

/**
 * Backend choice: `--data-dir` means local; otherwise `--table`, `--endpoint` or
 * env INCIDENTS_TABLE mean AWS; with none of them, the default local data dir.
 */
export function chooseBackend(flags: StoreFlags, env: NodeJS.ProcessEnv): "local" | "aws" {
  if (flags.dataDir) return "local";
  return flags.table || flags.endpoint || env.INCIDENTS_TABLE ? "aws" : "local";
}

export async function openIncidentStore(flags: StoreFlags, env: NodeJS.ProcessEnv, defaultDataDir: string): Promise<IncidentStore> {
  if (chooseBackend(flags, env) === "aws") {
    const table = flags.table || env.INCIDENTS_TABLE || INCIDENTS_TABLE.name;
    const region = flags.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
    const clients = createAwsClients({ ...(region ? { region } : {}), endpoints: { dynamodb: flags.endpoint } });
    return {
      doc: clients.doc,
      table,
      backend: "aws",
      describe: `table ${table}${flags.endpoint ? ` at ${flags.endpoint}` : region ? ` in ${region}` : ""}`,
      async close() {
        clients.dynamodb.destroy();
      },
    };
  }
  const dataDir = flags.dataDir || defaultDataDir;
  // startLocalAws would create the directory: a typo must not look like an empty history.
  if (!existsSync(localDynamoPath(dataDir))) {
    // Suggest --data-dir only to someone who did not pass one.
    const other = flags.dataDir ? "" : " pass --data-dir,";
    throw new UsageError(`no local data in ${dataDir} (run \`oomwatch sandbox\` first,${other} or --table/--region for AWS)`);
  }
  await assertNotInUse(dataDir);
  const table = flags.table || INCIDENTS_TABLE.name;
  const local = await startLocalAws({ dataDir: localDynamoPath(dataDir) });
  return { doc: local.clients.doc, table, backend: "local", describe: `table ${table} in ${dataDir}`, close: () => local.stop() };
}

/**
 * A running sandbox holds the LevelDB lock of its data dir; dynalite would then
 * crash on the first request. Probe the lock with dynalite's own `level` first.
 */
async function assertNotInUse(dataDir: string): Promise<void> {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve("dynalite"));
  const { Level } = fromDynalite("level") as { Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> } };
  const db = new Level(localDynamoPath(dataDir));
  try {
    await db.open();
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED") {
      throw new UsageError(`local data in ${dataDir} is in use (a running \`oomwatch sandbox\`?): stop it first, or query its DynamoDB with --endpoint`, { cause: err });
    }
    throw err;
  }
  await db.close();
}
