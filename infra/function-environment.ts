/**
 * Environment variables of each function. Keys are typed against shared/config.ts
 * (`FunctionEnv`), so a renamed variable breaks the build here instead of a cold start.
 * Only names, URLs and settings go here; secrets are referenced by ARN and read at run time.
 */
import type { FunctionEnv } from "../shared/config.ts";
import { type FunctionId, METRICS_NAMESPACE } from "../shared/resources.ts";
import { eksClusterName, type OomwatchSettings } from "./config.ts";

type EnvKey = keyof FunctionEnv | "POWERTOOLS_SERVICE_NAME" | "POWERTOOLS_METRICS_NAMESPACE" | "POWERTOOLS_LOG_LEVEL" | "POWERTOOLS_PARAMETERS_MAX_AGE";
export type FunctionEnvironment = Partial<Record<EnvKey, string>>;

/** Deployed resource names/URLs (CloudFormation tokens at synth time). */
export interface DeployedResources {
  readonly incidentsTable: string;
  readonly eventsDlqUrl: string;
  readonly analyzeQueueUrl: string;
  readonly analyzeDlqUrl: string;
  readonly notifyQueueUrl: string;
  readonly notifyDlqUrl: string;
  readonly eventBusName: string;
  readonly slackTokenSecretArn: string;
  readonly kubeconfigSecretArn?: string;
}


/** notify's Slack token is cached this long (seconds) by Powertools Parameters: a rotated token is picked up within 5 minutes. */
const SECRET_CACHE_SECONDS = "300";

function defined(env: FunctionEnvironment): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function kubernetesAccess(settings: OomwatchSettings, resources: DeployedResources): FunctionEnvironment {
  switch (settings.kubernetesAuth) {
    case "kubeconfig":
      return { KUBECONFIG_SECRET_ARN: resources.kubeconfigSecretArn };
    case "eks":
      return {
        EKS_CLUSTER_NAME: eksClusterName(settings),
        EKS_CLUSTER_ENDPOINT: settings.eksClusterEndpoint,
        EKS_CLUSTER_CA: settings.eksClusterCa,
      };
    case "none":
      return {};
  }
}

export function functionEnvironments(settings: OomwatchSettings, resources: DeployedResources): Record<FunctionId | "resolve", Record<string, string>> {
  const common = (id: FunctionId | "resolve"): FunctionEnvironment => ({
    OOMWATCH_CLUSTER: settings.clusterName,
    INCIDENTS_TABLE: resources.incidentsTable,
    POWERTOOLS_SERVICE_NAME: `oomwatch-${id}`,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
  });
  const escalation = settings.escalationPolicy ? JSON.stringify(settings.escalationPolicy) : undefined;
  return {
    ingest: defined({
      ...common("ingest"),
      EVENTS_DLQ_URL: resources.eventsDlqUrl,
      ANALYZE_QUEUE_URL: resources.analyzeQueueUrl,
      ESCALATION_POLICY: escalation,
    }),
    analyze: defined({
      ...common("analyze"),
      // Correlation re-queues the related incident for another analysis.
      ANALYZE_QUEUE_URL: resources.analyzeQueueUrl,
      ANALYZE_DLQ_URL: resources.analyzeDlqUrl,
      NOTIFY_QUEUE_URL: resources.notifyQueueUrl,
      ESCALATION_POLICY: escalation,
      // No POWERTOOLS_PARAMETERS_MAX_AGE: the kubeconfig secret is read with the SDK and re-read by shared/clients/kubernetes.ts.
      ...kubernetesAccess(settings, resources),
    }),
    notify: defined({
      ...common("notify"),
      NOTIFY_DLQ_URL: resources.notifyDlqUrl,
      EVENT_BUS_NAME: resources.eventBusName,
      SLACK_TOKEN_SECRET_ARN: resources.slackTokenSecretArn,
      SLACK_DEFAULT_CHANNEL: settings.defaultChannel,
      SLACK_OPS_CHANNEL: settings.opsChannel,
      SLACK_OPS_MENTION: settings.opsMention,
      SLACK_CHANNEL_MAP: JSON.stringify(settings.channelMap),
      RUNBOOK_BASE_URL: settings.runbookBaseUrl,
      POWERTOOLS_PARAMETERS_MAX_AGE: SECRET_CACHE_SECONDS,
    }),
    // The group window comes from the escalation policy, as in ingest.
    resolve: defined({
      ...common("resolve"),
      NOTIFY_QUEUE_URL: resources.notifyQueueUrl,
      ESCALATION_POLICY: escalation,
    }),
  };
}
