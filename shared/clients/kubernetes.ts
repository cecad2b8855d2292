/**
 * Kubernetes access for live enrichment (analyze): four GET requests over Node's own
 * HTTPS client, no @kubernetes/client-node (its 2 MB bundle was most of analyze's cold
 * start). Credentials, in order: a kubeconfig stored in Secrets Manager (read again every 5
 * minutes and on a 401, so a rotated secret is picked up), a kubeconfig file
 * (sandbox), or EKS IAM authentication (a bearer token made from a presigned STS
 * GetCallerIdentity URL, rebuilt before its 60 s expiry). TLS is verified against the
 * cluster's CA. Every call has a short timeout: analyze falls back to the event-time
 * snapshot rather than wait. Node's built-in fetch cannot take a per-request CA without
 * the undici package, so node:https it is.
 */
import { request as httpsRequest } from "node:https";
import type { V1Node, V1Pod, V1PodList } from "@kubernetes/client-node";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from "@smithy/types";
import { type MemoryUsage, type MetricsItem, memoryUsageOf } from "../k8s/metrics.ts";
import { createSecretsClient } from "./aws.ts";
import { type ClusterAccess, parseKubeconfig } from "./kubeconfig.ts";

export type { ClusterAccess } from "./kubeconfig.ts";

/** What analyze reads from the cluster. Tests may pass their own. */
export interface KubernetesAccess {
  /** undefined when the pod no longer exists (404). */
  readPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  readNode(name: string): Promise<V1Node | undefined>;
  listPodsOnNode(node: string): Promise<V1Pod[]>;
  /** Working sets from the metrics API; undefined when it is not installed or does not answer. */
  memoryUsage(node: string): Promise<MemoryUsage | undefined>;
}

export interface EksAuth {
  clusterName: string;
  endpoint: string;
  /** Base64 certificate authority data, as EKS DescribeCluster returns it. */
  ca?: string;
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface KubeConfigSource {
  /** Secrets Manager secret holding a kubeconfig (YAML or JSON). */
  secretArn?: string;
  secrets?: SecretsManagerClient;
  /** A kubeconfig file (the sandbox points this at the simulator's). */
  kubeconfigPath?: string;
  eks?: EksAuth;
}

/**
 * Current cluster access. `reload`: the API refused the credentials (401), so read them again
 * instead of from the cache (a rotated kubeconfig secret, an expired token).
 */
export type AccessLoader = (reload?: boolean) => Promise<ClusterAccess>;

/** A kubeconfig read from Secrets Manager is read again after this long: a rotated secret is picked up within 5 minutes. */
export const SECRET_MAX_AGE_MS = 300_000;
const TOKEN_TTL_SECONDS = 60;
/** Rebuild EKS tokens this long before they expire. */
const TOKEN_REFRESH_MS = 45_000;
/** A response body larger than this is not what analyze asked for (a pod list of one node is far smaller). */
const MAX_BODY_BYTES = 64 * 2 ** 20;

/**
 * EKS bearer token: `k8s-aws-v1.` + base64url(presigned STS GetCallerIdentity URL),
 * signed with the `x-k8s-aws-id: <cluster>` header, valid 60 s (aws-iam-authenticator format).
 */
export async function eksToken(auth: EksAuth, signingDate?: Date): Promise<string> {
  const hostname = `sts.${auth.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: auth.credentials ?? defaultProvider(),
    region: auth.region,
    service: "sts",
    sha256: Sha256,
  });
  const request: HttpRequest = {
    method: "GET",
    protocol: "https:",
    hostname,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host: hostname, "x-k8s-aws-id": auth.clusterName },
  };
  const signed = await signer.presign(request, { expiresIn: TOKEN_TTL_SECONDS, ...(signingDate ? { signingDate } : {}) });
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    for (const value of Array.isArray(v) ? v : [v]) if (value !== null && value !== undefined) query.append(k, value);
  }
  const url = `https://${hostname}/?${query.toString()}`;
  return `k8s-aws-v1.${Buffer.from(url).toString("base64url")}`;
}

function eksAccess(auth: EksAuth, token: string): ClusterAccess {
  return { server: auth.endpoint.replace(/\/+$/, ""), ...(auth.ca ? { ca: Buffer.from(auth.ca, "base64").toString("utf8") } : {}), token };
}

/**
 * A loader of current cluster access: a secret is read again after SECRET_MAX_AGE_MS, EKS
 * tokens are rebuilt before they expire, a file is read once; any of them again on `reload`.
 */
export function kubeConfigLoader(source: KubeConfigSource, now: () => number = Date.now): AccessLoader {
  if (source.secretArn) {
    const arn = source.secretArn;
    // Read with the SDK client (no Powertools parameters: their cache would hold what `cached` holds).
    const secrets = source.secrets ?? createSecretsClient();
    let cached: { access: Promise<ClusterAccess>; at: number } | undefined;
    return (reload = false) => {
      if (reload || !cached || now() - cached.at > SECRET_MAX_AGE_MS) {
        const access = secrets.send(new GetSecretValueCommand({ SecretId: arn })).then(({ SecretString: text }) => {
          if (typeof text !== "string") throw new Error(`kubeconfig secret ${arn} holds no text (binary secrets are not read)`);
          return parseKubeconfig(text, `secret ${arn}`);
        });
        cached = { access, at: now() };
        access.catch(() => {
          if (cached?.access === access) cached = undefined; // try again on the next incident
        });
      }
      return cached.access;
    };
  }
  if (source.kubeconfigPath) {
    const path = source.kubeconfigPath;
    let loaded: Promise<ClusterAccess> | undefined;
    return (reload = false) => {
      if (reload || !loaded) loaded = import("node:fs/promises").then(({ readFile }) => readFile(path, "utf8")).then((text) => parseKubeconfig(text, path));
      return loaded;
    };
  }
  if (source.eks) {
    const auth = source.eks;
    let cached: { access: ClusterAccess; at: number } | undefined;
    return async (reload = false) => {
      if (reload || !cached || now() - cached.at > TOKEN_REFRESH_MS) cached = { access: eksAccess(auth, await eksToken(auth)), at: now() };
      return cached.access;
    };
  }
  throw new Error("no Kubernetes credentials: set KUBECONFIG_SECRET_ARN, KUBECONFIG or EKS_CLUSTER_NAME/EKS_CLUSTER_ENDPOINT");
}

/** A request that failed: names the request, and carries the HTTP status when there was one. */
export class KubernetesRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "KubernetesRequestError";
  }
}

/** GET `path` as JSON; undefined on 404 when `notFoundOk`. Aborted after `timeoutMs`. */
export async function getJson<T>(access: ClusterAccess, path: string, timeoutMs: number, notFoundOk = false): Promise<T | undefined> {
  const url = new URL(access.server + path);
  const what = `GET ${path}`;
  const secure = url.protocol === "https:";
  // node:http only for a plain-HTTP server (the sandbox's simulator): importing it as an ES module
  // loads Node's bundled undici for its WebSocket exports, about 10 ms of every analyze cold start.
  const send = secure ? httpsRequest : (await import("node:http")).request;
  return new Promise<T | undefined>((resolve, reject) => {
    const req = send(
      url,
      {
        method: "GET",
        headers: { accept: "application/json", ...(access.token ? { authorization: `Bearer ${access.token}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
        ...(secure
          ? {
              ...(access.ca ? { ca: access.ca } : {}),
              ...(access.cert ? { cert: access.cert } : {}),
              ...(access.key ? { key: access.key } : {}),
              rejectUnauthorized: !access.skipTLSVerify,
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (err) => reject(new KubernetesRequestError(`${what}: ${err.message}`)));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString("utf8");
          if (status === 404 && notFoundOk) return resolve(undefined);
          if (status < 200 || status >= 300) {
            // The API's Status message says why (forbidden by RBAC, not found, ...).
            let reason = res.statusMessage ?? "";
            try {
              reason = (JSON.parse(body) as { message?: string }).message ?? reason;
            } catch {}
            return reject(new KubernetesRequestError(`${what}: HTTP ${status}${reason ? ` ${reason}` : ""}`, status));
          }
          try {
            resolve(JSON.parse(body) as T);
          } catch (err) {
            reject(new KubernetesRequestError(`${what}: response is not JSON: ${(err as Error).message}`, status));
          }
        });
      },
    );
    req.on("error", (err) => {
      const timedOut = err.name === "AbortError" || err.name === "TimeoutError";
      reject(new KubernetesRequestError(`${what}: ${timedOut ? `no answer within ${timeoutMs} ms` : err.message}`));
    });
    req.end();
  });
}

const seg = encodeURIComponent;

/** KubernetesAccess over HTTPS, every request aborted after `timeoutMs`. */
export function createKubernetesAccess(loadAccess: AccessLoader, timeoutMs = 3000): KubernetesAccess {
  const get = async <T>(path: string, notFoundOk = false) => {
    try {
      return await getJson<T>(await loadAccess(), path, timeoutMs, notFoundOk);
    } catch (err) {
      if (!(err instanceof KubernetesRequestError && err.status === 401)) throw err;
      // Credentials the API no longer accepts (rotated): read them again, once.
      return getJson<T>(await loadAccess(true), path, timeoutMs, notFoundOk);
    }
  };
  return {
    readPod: (namespace, name) => get<V1Pod>(`/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}`, true),
    readNode: (name) => get<V1Node>(`/api/v1/nodes/${seg(name)}`, true),
    async listPodsOnNode(node) {
      const list = await get<V1PodList>(`/api/v1/pods?fieldSelector=${seg(`spec.nodeName=${node}`)}`);
      return list?.items ?? [];
    },
    async memoryUsage(node) {
      try {
        const [nodeMetrics, pods] = await Promise.all([
          get<MetricsItem>(`/apis/metrics.k8s.io/v1beta1/nodes/${seg(node)}`, true),
          get<{ items?: MetricsItem[] }>("/apis/metrics.k8s.io/v1beta1/pods"),
        ]);
        return memoryUsageOf(node, { items: nodeMetrics ? [nodeMetrics] : [] }, pods ?? {});
      } catch {
        return undefined; // metrics-server is optional
      }
    },
  };
}
