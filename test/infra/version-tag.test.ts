/**
 * The stack carries the release it was made from: the `oomwatch:version` stack tag (package.json's
 * version), which CloudFormation applies to the stack and every resource it creates.
 */
import { describe, expect, it } from "vitest";
import { buildOomwatchApp } from "../../infra/build-app.ts";
import { VERSION } from "../../shared/version.ts";
import { BASE_CONTEXT, FIXTURE_ENTRIES } from "./synth.ts";

describe("version tag", () => {
  it("tags the stack with package.json's version, in the cloud assembly CloudFormation deploys", () => {
    const { app, stack } = buildOomwatchApp({ context: BASE_CONTEXT, entries: FIXTURE_ENTRIES, nag: false, builtinCloudFormationValidation: false });
    const artifact = app.synth().getStackByName(stack.stackName);
    expect(artifact.tags).toMatchObject({ "oomwatch:version": VERSION });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});
