/**
 * The SNS topic every alarm and the example severity rule publish to: encrypted with a
 * customer-managed key, HTTPS-only, with the configured e-mail subscribers.
 */
import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface AlarmTopicProps {
  readonly emails: readonly string[];
}

/** Services that publish to the topic and so must use its key. */
const PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"];

export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    // A customer-managed key: the AWS-managed SNS key cannot grant CloudWatch alarms and
    // EventBridge the use they need to publish to an encrypted topic.
    this.key = new kms.Key(this, "Key", {
      enableKeyRotation: true,
      description: "oomwatch alarm topic",
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: PUBLISHERS.map((service) => new iam.ServicePrincipal(service)),
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"], // in a key policy, "*" means this key
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, "Topic", {
      displayName: "oomwatch alarms",
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
  }
}
