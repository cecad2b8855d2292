/** The credential provider the function bundles use in place of the SDK's default chain. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultProvider } from "../../shared/clients/lambda-credentials.ts";

afterEach(() => vi.unstubAllEnvs());

describe("Lambda's environment credentials", () => {
  it("are the execution role's keys and session token Lambda sets", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "token");
    expect(await defaultProvider()()).toMatchObject({ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token" });
  });

  it("without the keys, fail naming the variables", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
  });
});
