/**
 * Shared by the infra tests: build the app once per test file, synthesize it (bundling the
 * functions with esbuild) and hand back the template plus the cdk-nag report.
 */
import { fileURLToPath } from "node:url";
import type { CfnElement, PolicyValidationPluginReport } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { Template } from "aws-cdk-lib/assertions";
import { type BuildAppOptions, buildOomwatchApp } from "../../infra/build-app.ts";
import type { OomwatchStack } from "../../infra/oomwatch-stack.ts";

/** Stand-in handler for tests of infra wiring that do not need the real handlers bundled. */
export const FIXTURE_ENTRY = fileURLToPath(new URL("./fixtures/handler.ts", import.meta.url));
export const FIXTURE_ENTRIES = { ingest: FIXTURE_ENTRY, analyze: FIXTURE_ENTRY, notify: FIXTURE_ENTRY };

/** Context as cdk.json gives it (strings, objects), so the context path is exercised. */
export const BASE_CONTEXT = {
  "oomwatch:clusterName": "prod-eks",
  "oomwatch:defaultChannel": "#oom-alerts",
  "oomwatch:opsChannel": "#ops-oncall",
  "oomwatch:opsMention": "@oncall-sre",
  "oomwatch:channelMap": { payments: "#payments-oncall" },
  "oomwatch:forwarderAuth": "pod-identity",
  "oomwatch:alarmEmails": "sre@example.com,oncall@example.com",
};

export interface Synthesized {
  readonly stack: OomwatchStack;
  readonly template: Template;
  /** cdk-nag AwsSolutions findings that are not acknowledged. */
  readonly nag: PolicyValidationPluginReport;
  /** Cloud assembly directory (bundled function code is in `asset.<hash>/`). */
  readonly assemblyDir: string;
  /** Logical id of a construct's CloudFormation resource in the template. */
  readonly logicalId: (construct: IConstruct) => string;
}

export function synthesize(options: BuildAppOptions): Synthesized {
  // The built-in CloudFormation schema validation costs ~10 s per synth on a shared 2-core box;
  // `npm run synth` (CI) runs it on the real app, so tests check the template themselves.
  const { app, stack, nag } = buildOomwatchApp({ builtinCloudFormationValidation: false, ...options });
  // Validation plugins run inside synth: an unacknowledged finding throws here.
  const assembly = app.synth();
  if (!nag) throw new Error("synthesize() needs the cdk-nag checks (nag: true)");
  return {
    stack,
    template: Template.fromStack(stack),
    nag: nag.validateScope(app),
    assemblyDir: assembly.directory,
    logicalId: (construct) => stack.getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/** Synthesized CloudFormation JSON: untyped by nature, tests index into it freely. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type; assertions check the shape.
export type CfnJson = any;

/** Resources of one type as [logicalId, properties] pairs. */
export function resourcesOf(template: Template, type: string): [string, CfnJson][] {
  return Object.entries(template.findResources(type)).map(([id, r]) => [id, (r as { Properties: CfnJson }).Properties]);
}
