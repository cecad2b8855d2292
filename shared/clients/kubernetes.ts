/**
 * Kubernetes access for live enrichment (analyze), through @kubernetes/client-node.
 * Credentials, in order: a kubeconfig stored in Secrets Manager, a kubeconfig file
 * (sandbox), or EKS IAM authentication (a bearer token made from a presigned STS
 * GetCallerIdentity URL, rebuilt before its 60 s expiry). Every call has a short
 * timeout: analyze falls back to the event-time snapshot rather than wait.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Observable,
  type RequestContext,
  type ResponseContext,
  type V1Node,
  type V1Pod,
} from "@kubernetes/client-node";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from "@smithy/types";
import { type MemoryUsage, type MetricsItem, memoryUsageOf } from "../k8s/metrics.ts";

/** What analyze reads from the cluster. Implemented over client-node; tests may pass their own. */
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

const TOKEN_TTL_SECONDS = 60;
/** Rebuild EKS tokens this long before they expire. */
const TOKEN_REFRESH_MS = 45_000;

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

function eksKubeConfig(auth: EksAuth, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: auth.clusterName, server: auth.endpoint, ...(auth.ca ? { caData: auth.ca } : {}), skipTLSVerify: false }],
    users: [{ name: "oomwatch", token }],
    contexts: [{ name: "oomwatch", cluster: auth.clusterName, user: "oomwatch" }],
    currentContext: "oomwatch",
  });
  return kc;
}

/** A function that returns a current KubeConfig (EKS tokens are refreshed, others loaded once). */
export function kubeConfigLoader(source: KubeConfigSource): () => Promise<KubeConfig> {
  if (source.secretArn) {
    const provider = new SecretsProvider(source.secrets ? { awsSdkV3Client: source.secrets } : {});
    let loaded: Promise<KubeConfig> | undefined;
    return () => {
      loaded ??= provider.get(source.secretArn!).then((text) => {
        if (typeof text !== "string") throw new Error("kubeconfig secret is not a string");
        const kc = new KubeConfig();
        kc.loadFromString(text);
        return kc;
      });
      return loaded.catch((err) => {
        loaded = undefined; // try again on the next incident
        throw err;
      });
    };
  }
  if (source.kubeconfigPath) {
    const kc = new KubeConfig();
    kc.loadFromFile(source.kubeconfigPath);
    return async () => kc;
  }
  if (source.eks) {
    const auth = source.eks;
    let cached: { kc: KubeConfig; at: number } | undefined;
    return async () => {
      if (!cached || Date.now() - cached.at > TOKEN_REFRESH_MS) cached = { kc: eksKubeConfig(auth, await eksToken(auth)), at: Date.now() };
      return cached.kc;
    };
  }
  throw new Error("no Kubernetes credentials: set KUBECONFIG_SECRET_ARN, KUBECONFIG or EKS_CLUSTER_NAME/EKS_CLUSTER_ENDPOINT");
}

const isNotFound = (err: unknown) => (err as { code?: number } | undefined)?.code === 404;

/** KubernetesAccess over client-node, every request aborted after `timeoutMs`. */
export function createKubernetesAccess(loadConfig: () => Promise<KubeConfig>, timeoutMs = 3000): KubernetesAccess {
  // Per-call options: a fresh AbortSignal for each request. The object-parameter APIs
  // take observable middleware (client-node's own Observable, not rxjs).
  const opts = () => ({
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return new Observable(Promise.resolve(ctx));
        },
        post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  });
  const core = async () => (await loadConfig()).makeApiClient(CoreV1Api);
  const custom = async () => (await loadConfig()).makeApiClient(CustomObjectsApi);

  return {
    async readPod(namespace, name) {
      try {
        return await (await core()).readNamespacedPod({ namespace, name }, opts());
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async readNode(name) {
      try {
        return await (await core()).readNode({ name }, opts());
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async listPodsOnNode(node) {
      const list = await (await core()).listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }, opts());
      return list.items;
    },
    async memoryUsage(node) {
      try {
        const api = await custom();
        const [nodes, pods] = (await Promise.all([
          api.listClusterCustomObject({ group: "metrics.k8s.io", version: "v1beta1", plural: "nodes" }, opts()),
          api.listClusterCustomObject({ group: "metrics.k8s.io", version: "v1beta1", plural: "pods" }, opts()),
        ])) as [{ items?: MetricsItem[] }, { items?: MetricsItem[] }];
        return memoryUsageOf(node, nodes, pods);
      } catch {
        return undefined; // metrics-server is optional
      }
    },
  };
}
