/** analyze's kubeconfig reader: the current context's server, CA and credentials, and errors that name the kubeconfig. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type ClusterAccess, parseKubeconfig } from "../../shared/clients/kubeconfig.ts";
import { createKubernetesAccess, kubeConfigLoader, SECRET_MAX_AGE_MS } from "../../shared/clients/kubernetes.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("parseKubeconfig", () => {
  it("reads the current context's server, CA and token from YAML", async () => {
    const yaml = `apiVersion: v1
kind: Config
current-context: prod
contexts:
  - name: staging
    context: { cluster: staging, user: staging }
  - name: prod
    context: { cluster: prod, user: analyzer }
clusters:
  - name: staging
    cluster: { server: "https://staging.example:6443" }
  - name: prod
    cluster:
      server: https://prod.example:6443/
      certificate-authority-data: ${b64("-----BEGIN CERTIFICATE-----\nPROD\n-----END CERTIFICATE-----\n")}
users:
  - name: staging
    user: { token: wrong }
  - name: analyzer
    user: { token: s3cret }
`;
    expect(await parseKubeconfig(yaml, "kubeconfig.yaml")).toEqual({
      server: "https://prod.example:6443",
      ca: "-----BEGIN CERTIFICATE-----\nPROD\n-----END CERTIFICATE-----\n",
      token: "s3cret",
    });
  });

  it("reads client certificates and insecure-skip-tls-verify from JSON", async () => {
    const json = JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      clusters: [{ name: "k", cluster: { server: "http://127.0.0.1:1234", "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") } }],
    });
    expect(await parseKubeconfig(json, "secret arn:x")).toEqual({ server: "http://127.0.0.1:1234", skipTLSVerify: true, cert: "CERT", key: "KEY" });
  });

  it("names the kubeconfig and what is wrong", async () => {
    await expect(parseKubeconfig("current-context: [", "/tmp/kc.yaml")).rejects.toThrow(/^kubeconfig \/tmp\/kc.yaml: not valid YAML or JSON/);
    await expect(parseKubeconfig("current-context: missing\ncontexts: []\n", "/tmp/kc.yaml")).rejects.toThrow(
      'kubeconfig /tmp/kc.yaml: current-context "missing" not found in contexts',
    );
    const exec = JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      clusters: [{ name: "k", cluster: { server: "https://x" } }],
      users: [{ name: "u", user: { exec: { command: "aws" } } }],
    });
    await expect(parseKubeconfig(exec, "secret s")).rejects.toThrow(/kubeconfig secret s: user "u" authenticates with an exec or auth-provider plugin/);
  });
});

describe("kubeConfigLoader with KUBECONFIG_SECRET_ARN", () => {
  const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:kubeconfig";
  /** A Secrets Manager client that answers GetSecretValue with `answer` and counts the calls. */
  const secretsAnswering = (answer: { SecretString?: string }) => {
    const sent: unknown[] = [];
    const send = async (command: GetSecretValueCommand) => {
      sent.push(command.input);
      return answer;
    };
    const client = { send } as unknown as SecretsManagerClient;
    return { client, sent };
  };

  it("reads a YAML kubeconfig from the secret once", async () => {
    const yaml = "current-context: c\ncontexts:\n  - name: c\n    context: { cluster: k, user: u }\nclusters:\n  - name: k\n    cluster: { server: https://k.example }\nusers:\n  - name: u\n    user: { token: t0ken }\n";
    const { client, sent } = secretsAnswering({ SecretString: yaml });
    const load = kubeConfigLoader({ secretArn: arn, secrets: client });
    expect(await load()).toEqual({ server: "https://k.example", token: "t0ken" });
    await load();
    expect(sent).toEqual([{ SecretId: arn }]);
  });

  it("reads a rotated secret again once SECRET_MAX_AGE_MS has passed", async () => {
    const tokens = ["first", "second"];
    const sent: unknown[] = [];
    const client = {
      send: async (command: GetSecretValueCommand) => {
        sent.push(command.input);
        return { SecretString: JSON.stringify(kubeconfigWithToken(tokens[sent.length - 1]!)) };
      },
    } as unknown as SecretsManagerClient;
    let clock = 1_000_000;
    const load = kubeConfigLoader({ secretArn: arn, secrets: client }, () => clock);
    expect((await load()).token).toBe("first");
    clock += SECRET_MAX_AGE_MS;
    expect((await load()).token).toBe("first");
    clock += 1;
    expect((await load()).token).toBe("second");
    expect(sent).toHaveLength(2);
  });

  it("refuses a binary secret, naming it", async () => {
    const { client } = secretsAnswering({});
    await expect(kubeConfigLoader({ secretArn: arn, secrets: client })()).rejects.toThrow(`kubeconfig secret ${arn} holds no text`);
  });
});

/** A kubeconfig (JSON) authenticating with a bearer token. */
function kubeconfigWithToken(token: string, server = "https://k.example") {
  return {
    "current-context": "c",
    contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
    clusters: [{ name: "k", cluster: { server } }],
    users: [{ name: "u", user: { token } }],
  };
}

describe("a 401 from the API", () => {
  it("reads the credentials again and retries once", async () => {
    const server = createServer((req, res) => {
      const ok = req.headers.authorization === "Bearer rotated";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { metadata: { name: "n1" } } : { message: "Unauthorized" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const reloads: boolean[] = [];
      const load = async (reload = false): Promise<ClusterAccess> => {
        reloads.push(reload);
        return { server: url, token: reload ? "rotated" : "stale" };
      };
      expect(await createKubernetesAccess(load).readNode("n1")).toEqual({ metadata: { name: "n1" } });
      expect(reloads).toEqual([false, true]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
