/**
 * Builds the CDK app (used by infra/app.ts and by the infra tests): reads `oomwatch:*`
 * context, validates it, creates the stack and registers the cdk-nag AwsSolutions checks.
 */
import { App, type AppProps, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { FunctionId } from "../shared/resources.ts";
import { type OomwatchSettingsInput, parseSettings, settingsFromContext } from "./config.ts";
import { OomwatchStack } from "./oomwatch-stack.ts";
import { VERSION } from "../shared/version.ts";

export interface BuildAppOptions extends AppProps {
  /** Typed settings; they win over context values of the same name. */
  readonly settings?: Partial<OomwatchSettingsInput>;
  readonly entries?: Partial<Record<FunctionId, string>>;
  /** Register cdk-nag AwsSolutionsChecks (default true). */
  readonly nag?: boolean;
}

export interface OomwatchApp {
  readonly app: App;
  readonly stack: OomwatchStack;
  readonly nag?: AwsSolutionsChecks;
}

/** Stack id in the cloud assembly; the deployed name adds the name prefix, if any. */
export const STACK_ID = "Oomwatch";

export function buildOomwatchApp(options: BuildAppOptions = {}): OomwatchApp {
  const { settings: overrides, entries, nag = true, ...appProps } = options;
  const app = new App(appProps);
  const settings = { ...settingsFromContext((key) => app.node.tryGetContext(key)), ...overrides } as OomwatchSettingsInput;
  const { namePrefix } = parseSettings(settings); // fail before building anything
  const stack = new OomwatchStack(app, STACK_ID, {
    stackName: namePrefix ? `${namePrefix}-oomwatch` : "oomwatch",
    settings,
    entries,
    // Stack tags: CloudFormation puts them on the stack and every resource it creates, so a deployed
    // resource tells which release made it.
    tags: { "oomwatch:version": VERSION },
  });
  if (!nag) return { app, stack };
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return { app, stack, nag: checks };
}
