/**
 * The AWS credential provider the function bundles get in place of the SDK's default chain
 * (`@aws-sdk/credential-provider-node`, replaced by FUNCTION_ALIAS in shared/function-bundling.ts).
 *
 * Lambda puts the execution role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN before the handler loads, and the default chain would take them from there
 * first. The rest of that chain (profiles, SSO, web identity, container and instance metadata,
 * with the STS, SSO and sign-in clients it needs) never runs in Lambda but was about 90 KiB of each
 * bundle. The sandbox, CLI and forwarder run with the SDK's own chain. Should the functions ever run
 * where Lambda hands out credentials another way (SnapStart's container credentials endpoint, for
 * one), drop FUNCTION_ALIAS rather than extend this.
 */
import { fromEnv } from "@aws-sdk/credential-provider-env";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

/** The SDK's own environment provider; its failure names what Lambda should have set. */
export function defaultProvider(): AwsCredentialIdentityProvider {
  const fromLambdaEnv = fromEnv();
  return async (identityProperties) => {
    try {
      return await fromLambdaEnv(identityProperties);
    } catch (err) {
      throw new Error(
        "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role; the function bundles read no other source)",
        { cause: err },
      );
    }
  };
}
