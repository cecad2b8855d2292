/** Synth-time validation of deployment settings: bad values fail with the key and the fix. */
import { describe, expect, it } from "vitest";
import { buildOomwatchApp } from "../../infra/build-app.ts";
import { parseSettings, settingsFromContext } from "../../infra/config.ts";
import { BASE_CONTEXT } from "./synth.ts";

const valid = { clusterName: "prod-eks", forwarderAuth: "pod-identity" } as const;

describe("deployment settings", () => {
  it("fills defaults and parses command-line strings", () => {
    const s = parseSettings({
      ...valid,
      channelMap: '{"payments":"#payments-oncall"}',
      alarmEmails: "a@example.com, b@example.com",
      createPodIdentityAssociation: "false",
      oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
      logRetentionDays: "90",
    });
    expect(s).toMatchObject({
      defaultChannel: "#oom-alerts",
      channelMap: { payments: "#payments-oncall" },
      alarmEmails: ["a@example.com", "b@example.com"],
      createPodIdentityAssociation: false,
      oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
      kubernetesAuth: "none",
      eventBus: "oomwatch",
      logRetentionDays: 90,
      namePrefix: "",
    });
  });

  it.each([
    [{ forwarderAuth: "pod-identity" }, /oomwatch:clusterName: required/],
    [{ ...valid, defaultChannel: "oom alerts" }, /oomwatch:defaultChannel: must be a Slack channel name like #oom-alerts/],
    [{ ...valid, channelMap: "{payments:" }, /oomwatch:channelMap: must be JSON/],
    [{ ...valid, channelMap: { Payments_NS: "#x" } }, /oomwatch:channelMap\.Payments_NS: must be a Kubernetes name/],
    [{ ...valid, forwarderAuth: "irsa" }, /oomwatch:oidcProviderArn: forwarderAuth=irsa needs oomwatch:oidcProviderArn and oomwatch:oidcIssuer/],
    [{ ...valid, forwarderAuth: "kiam" }, /oomwatch:forwarderAuth: Invalid option: expected one of "irsa"\|"pod-identity"/],
    [{ ...valid, alarmEmails: "sre-at-example" }, /oomwatch:alarmEmails\.0: must be an e-mail address/],
    [{ ...valid, logRetentionDays: 31 }, /oomwatch:logRetentionDays: must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30/],
    [{ ...valid, kubernetesAuth: "eks", eksClusterEndpoint: "https://abc.eks.amazonaws.com" }, /kubernetesAuth=eks needs oomwatch:eksClusterEndpoint and oomwatch:eksClusterCa/],
    [{ ...valid, analyzeAccessEntry: "true" }, /oomwatch:analyzeAccessEntry: an EKS access entry needs kubernetesAuth=eks/],
    [{ ...valid, vpc: { vpcId: "vpc-1", subnetIds: [] } }, /oomwatch:vpc\.vpcId: must be a VPC id[\s\S]*oomwatch:vpc\.subnetIds/],
    [{ ...valid, slackTokenSecretArn: "xoxb-123" }, /oomwatch:slackTokenSecretArn: must be a Secrets Manager secret ARN/],
  ])("rejects %j with a helpful message", (input, message) => {
    expect(() => parseSettings(input)).toThrow(message);
  });

  it("does not echo a rejected value that could be a secret", () => {
    expect(() => parseSettings({ ...valid, slackTokenSecretArn: "xoxb-very-secret" })).toThrow(/^(?![\s\S]*xoxb-very-secret)/);
  });

  it("reads only oomwatch: context keys that are set", () => {
    const context: Record<string, unknown> = { "oomwatch:clusterName": "c1", "oomwatch:opsMention": "", other: "x" };
    expect(settingsFromContext((key) => context[key])).toEqual({ clusterName: "c1" });
  });

  it("fails synth of a bad context before building anything", () => {
    expect(() => buildOomwatchApp({ context: { ...BASE_CONTEXT, "oomwatch:forwarderAuth": "irsa" } })).toThrow(
      /invalid oomwatch deployment settings:\n {2}- oomwatch:oidcProviderArn/,
    );
  });

  it("fails clearly when a function entry is missing", () => {
    expect(() => buildOomwatchApp({ context: BASE_CONTEXT, entries: { ingest: "/nonexistent/functions/ingest/handler.ts" } })).toThrow(
      "oomwatch ingest function entry not found: /nonexistent/functions/ingest/handler.ts",
    );
  });
});
