/**
 * Secrets the functions read at run time (never copied into environment values): the Slack
 * bot token and, in kubeconfig mode, the kubeconfig analyze uses. The stack creates them with
 * a random placeholder; the operator puts the real value (docs/deploy.md).
 */
import { Validations } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { resourceName } from "../../shared/resources.ts";

export interface RuntimeSecretsProps {
  readonly namePrefix: string;
  /** Use this existing secret for the Slack token instead of creating one. */
  readonly slackTokenSecretArn?: string;
  readonly withKubeconfig: boolean;
}

/** Secret names operators type in `aws secretsmanager put-secret-value --secret-id ...`. */
export const SLACK_TOKEN_SECRET_NAME = "oomwatch/slack-bot-token";
export const KUBECONFIG_SECRET_NAME = "oomwatch/kubeconfig";

// A complete ARN ends in the 6-character suffix Secrets Manager appends to the name.
const COMPLETE_ARN = /-[A-Za-z0-9]{6}$/;

function createdSecret(scope: Construct, id: string, name: string, description: string): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, id, { secretName: name, description });
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason: `${description}: issued by an external system (Slack app / cluster admin), so a rotation Lambda cannot mint a new one; rotate it there and put the new value.`,
  });
  return secret;
}

export class RuntimeSecrets extends Construct {
  readonly slackToken: secretsmanager.ISecret;
  readonly kubeconfig?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: RuntimeSecretsProps) {
    super(scope, id);
    const arn = props.slackTokenSecretArn;
    this.slackToken = arn
      ? COMPLETE_ARN.test(arn)
        ? secretsmanager.Secret.fromSecretCompleteArn(this, "SlackToken", arn)
        : secretsmanager.Secret.fromSecretPartialArn(this, "SlackToken", arn)
      : createdSecret(this, "SlackToken", resourceName(SLACK_TOKEN_SECRET_NAME, props.namePrefix), "oomwatch Slack bot token (xoxb-...)");
    if (props.withKubeconfig) {
      this.kubeconfig = createdSecret(
        this,
        "Kubeconfig",
        resourceName(KUBECONFIG_SECRET_NAME, props.namePrefix),
        "oomwatch kubeconfig for read-only live enrichment",
      );
    }
  }
}
