/**
 * What analyze needs from a kubeconfig to reach one cluster: the server, how to trust it
 * (CA) and who it is (bearer token or client certificate). Read from the kubeconfig's
 * current context, like every kubeconfig reader; without @kubernetes/client-node, whose
 * 2 MB would dominate analyze's bundle and cold start for four GET requests.
 */
import { readFileSync } from "node:fs";

/** Where and how to connect: everything the HTTPS requests need. */
export interface ClusterAccess {
  /** https://host[:port][/prefix] (http:// only for the sandbox's simulator). */
  server: string;
  /** PEM certificate authority of the API server; the system CAs when absent. */
  ca?: string;
  /** insecure-skip-tls-verify: the simulator and nothing else. */
  skipTLSVerify?: boolean;
  token?: string;
  /** Client certificate authentication (PEM). */
  cert?: string;
  key?: string;
}

interface NamedCluster {
  name?: string;
  cluster?: {
    server?: string;
    "certificate-authority-data"?: string;
    "certificate-authority"?: string;
    "insecure-skip-tls-verify"?: boolean;
  };
}
interface NamedUser {
  name?: string;
  user?: {
    token?: string;
    tokenFile?: string;
    "client-certificate-data"?: string;
    "client-key-data"?: string;
    "client-certificate"?: string;
    "client-key"?: string;
    exec?: unknown;
    "auth-provider"?: unknown;
  };
}
interface KubeconfigDoc {
  "current-context"?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: NamedCluster[];
  users?: NamedUser[];
}

const fromBase64 = (data: string) => Buffer.from(data, "base64").toString("utf8");

/** Parses kubeconfig text (YAML or JSON); `origin` names it in errors (a file path, a secret). */
export async function parseKubeconfig(text: string, origin: string): Promise<ClusterAccess> {
  let doc: KubeconfigDoc;
  try {
    // JSON (what the sandbox writes, and a common way to store it in Secrets Manager) needs no YAML parser.
    doc = (text.trimStart().startsWith("{") ? JSON.parse(text) : (await import("yaml")).parse(text)) as KubeconfigDoc;
  } catch (err) {
    throw new Error(`kubeconfig ${origin}: not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== "object") throw new Error(`kubeconfig ${origin}: not a kubeconfig document`);
  return clusterAccessOf(doc, origin);
}

export function clusterAccessOf(doc: KubeconfigDoc, origin: string): ClusterAccess {
  const contextName = doc["current-context"] ?? doc.contexts?.[0]?.name;
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`kubeconfig ${origin}: current-context ${JSON.stringify(contextName ?? "")} not found in contexts`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${origin}: cluster ${JSON.stringify(context.cluster ?? "")} of context ${contextName} has no server`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user["auth-provider"]) {
    throw new Error(
      `kubeconfig ${origin}: user ${JSON.stringify(context.user)} authenticates with an exec or auth-provider plugin, which analyze cannot run: store a token or client certificate, or use EKS_CLUSTER_NAME/EKS_CLUSTER_ENDPOINT`,
    );
  }
  const file = (path: string, what: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      throw new Error(`kubeconfig ${origin}: cannot read ${what} ${path}: ${(err as Error).message}`);
    }
  };
  const ca = cluster["certificate-authority-data"]
    ? fromBase64(cluster["certificate-authority-data"])
    : cluster["certificate-authority"]
      ? file(cluster["certificate-authority"], "certificate-authority")
      : undefined;
  const token = user.token ?? (user.tokenFile ? file(user.tokenFile, "tokenFile").trim() : undefined);
  const cert = user["client-certificate-data"] ? fromBase64(user["client-certificate-data"]) : user["client-certificate"] ? file(user["client-certificate"], "client-certificate") : undefined;
  const key = user["client-key-data"] ? fromBase64(user["client-key-data"]) : user["client-key"] ? file(user["client-key"], "client-key") : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    ...(ca ? { ca } : {}),
    ...(cluster["insecure-skip-tls-verify"] ? { skipTLSVerify: true } : {}),
    ...(token ? { token } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
  };
}
