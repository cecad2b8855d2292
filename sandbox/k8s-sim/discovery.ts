/** Discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`, `/version`) built from the resource table. */
import { RESOURCE_TYPES, apiVersionOf, type ResourceType } from "./resources.ts";

export const VERSION_INFO = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.0-oomwatch-sim",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-08-13T00:00:00Z",
  goVersion: "go1.22.5",
  compiler: "gc",
  platform: "linux/amd64",
};

function groups(): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const t of RESOURCE_TYPES) {
    if (!t.group) continue;
    const versions = result.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    result.set(t.group, versions);
  }
  return result;
}

export function apiVersions(serverAddress: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function apiGroup(name: string, versions: string[]) {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList() {
  return { kind: "APIGroupList", apiVersion: "v1", groups: [...groups()].map(([name, versions]) => apiGroup(name, versions)) };
}

export function apiGroupDoc(group: string) {
  const versions = groups().get(group);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, versions) } : undefined;
}

function verbs(t: ResourceType): string[] {
  return t.readOnly ? ["get", "list"] : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}

export function apiResourceList(group: string, version: string) {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t) => {
    const main = {
      name: t.plural,
      singularName: t.kind.toLowerCase(),
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbs(t),
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
    };
    const subresources =
      t.kind === "Pod" && !group
        ? [
            { name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] },
            { name: "pods/status", singularName: "", namespaced: true, kind: "Pod", verbs: ["get", "patch", "update"] },
          ]
        : [];
    return [main, ...subresources];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(types[0] as ResourceType), resources };
}
