/**
 * Wire shapes of Kubernetes objects as the API server sends them (JSON: times are
 * RFC 3339 strings). The client-node model classes type times as `Date`, which is
 * what its deserializer produces, not what is on the wire; `Wire<T>` maps them back
 * so factories and scenarios are checked against the real field names.
 */
import type {
  CoreV1Event,
  EventsV1Event,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1Lease,
  V1Namespace,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
} from "@kubernetes/client-node";

export type Wire<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type ObjectMeta = Wire<V1ObjectMeta>;

/** Any object the simulator stores: apiVersion/kind/metadata plus whatever else. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export type Pod = Wire<V1Pod>;
export type Node = Wire<V1Node>;
export type Event = Wire<CoreV1Event>;
export type EventV1 = Wire<EventsV1Event>;
export type ReplicaSet = Wire<V1ReplicaSet>;
export type Deployment = Wire<V1Deployment>;
export type Job = Wire<V1Job>;
export type CronJob = Wire<V1CronJob>;
export type Namespace = Wire<V1Namespace>;
export type Lease = Wire<V1Lease>;

/** Memory/cpu usage as quantity strings, e.g. `{ memory: "512Mi", cpu: "250m" }`. */
export interface Usage {
  memory?: string;
  cpu?: string;
}

export type PodMetricsInput = { namespace: string; pod: string; containers: Record<string, Usage>; timestamp?: string };
export type NodeMetricsInput = { node: string; usage: Usage; timestamp?: string };
