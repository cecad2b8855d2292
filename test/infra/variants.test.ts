/**
 * The other deployment choices in one synth: IRSA, kubeconfig access for analyze, VPC
 * placement, the default event bus, an existing Slack secret and a name prefix. Infra wiring
 * only, so the handlers are a stand-in (stack.test.ts bundles the real ones).
 */
import { App, Validations } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Stack } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE_CONTEXT, type CfnJson, FIXTURE_ENTRIES, resourcesOf, type Synthesized, synthesize } from "./synth.ts";

const OIDC_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789";
const SLACK_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/slack";

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthesize({
    context: {
      ...BASE_CONTEXT,
      "oomwatch:clusterName": "staging",
      "oomwatch:namePrefix": "staging",
      "oomwatch:forwarderAuth": "irsa",
      "oomwatch:oidcProviderArn": `arn:aws:iam::123456789012:oidc-provider/${OIDC_ISSUER}`,
      "oomwatch:oidcIssuer": `https://${OIDC_ISSUER}`,
      "oomwatch:kubernetesAuth": "kubeconfig",
      "oomwatch:eventBus": "default",
      "oomwatch:slackTokenSecretArn": SLACK_SECRET,
      "oomwatch:vpc": JSON.stringify({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"] }),
      "oomwatch:escalationPolicy": '{"frequentOom":{"count":5}}',
      "oomwatch:logRetentionDays": "14",
    },
    entries: FIXTURE_ENTRIES,
  });
  template = synth.template;
});

const logicalId = (construct: IConstruct) => synth.logicalId(construct);
const envOf = (id: "ingest" | "analyze" | "notify") =>
  resourcesOf(template, "AWS::Lambda::Function").find(([lid]) => lid === logicalId(synth.stack.functions[id].function))![1].Environment.Variables;

describe("deployment variants", () => {
  it("trusts only the forwarder's ServiceAccount through the cluster's OIDC provider (IRSA)", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRoleWithWebIdentity",
            Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${OIDC_ISSUER}` },
            Condition: {
              StringEquals: {
                [`${OIDC_ISSUER}:sub`]: "system:serviceaccount:oomwatch:oomwatch-forwarder",
                [`${OIDC_ISSUER}:aud`]: "sts.amazonaws.com",
              },
            },
          },
        ],
      },
    });
    template.resourceCountIs("AWS::EKS::PodIdentityAssociation", 0);
  });

  it("gives analyze a kubeconfig secret by ARN and no EKS permission", () => {
    const kubeconfig = logicalId(synth.stack.secrets.kubeconfig!);
    expect(envOf("analyze")).toMatchObject({ KUBECONFIG_SECRET_ARN: { Ref: kubeconfig } });
    expect(envOf("analyze")).not.toHaveProperty("EKS_CLUSTER_NAME");
    const analyzePolicy = resourcesOf(template, "AWS::IAM::Policy").find(([, p]) => p.Roles[0].Ref === logicalId(synth.stack.functions.analyze.role))![1];
    const actions = analyzePolicy.PolicyDocument.Statement.flatMap((s: CfnJson) => [s.Action].flat());
    expect(actions).toContain("secretsmanager:GetSecretValue");
    expect(actions).not.toContain("eks:DescribeCluster");
  });

  it("uses the existing Slack secret and the default event bus", () => {
    expect(envOf("notify")).toMatchObject({ SLACK_TOKEN_SECRET_ARN: SLACK_SECRET, EVENT_BUS_NAME: "default" });
    template.resourceCountIs("AWS::Events::EventBus", 0);
    template.hasResourceProperties("AWS::Events::Rule", { EventBusName: "default" });
    template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: "events:PutEvents", Resource: { "Fn::Join": ["", Match.arrayWith([":event-bus/default"])] } }),
        ]),
      },
    });
  });

  it("places every function in the given subnets with an HTTPS-egress-only security group", () => {
    const functions = resourcesOf(template, "AWS::Lambda::Function");
    expect(functions).toHaveLength(4); // ingest, analyze, notify and the scheduled resolver
    for (const [, p] of functions) {
      expect(p.VpcConfig.SubnetIds).toEqual(["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]);
    }
    template.hasResourceProperties("AWS::EC2::SecurityGroup", {
      VpcId: "vpc-0123456789abcdef0",
      SecurityGroupEgress: [Match.objectLike({ IpProtocol: "tcp", FromPort: 443, ToPort: 443 })],
    });
  });

  it("prefixes physical names, passes the escalation policy and the log retention", () => {
    template.hasResourceProperties("AWS::SQS::Queue", { QueueName: "staging-oomwatch-events" });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", { TableName: "staging-oomwatch-incidents" });
    expect(JSON.parse(envOf("analyze").ESCALATION_POLICY)).toEqual({ frequentOom: { count: 5 } });
    expect(resourcesOf(template, "AWS::Logs::LogGroup").map(([, p]) => p.RetentionInDays)).toEqual([14, 14, 14, 14]);
    expect(synth.stack.stackName).toBe("staging-oomwatch");
  });

  it("reports no unacknowledged cdk-nag findings for this variant either", () => {
    expect(synth.nag.violations).toEqual([]);
  });
});

describe("cdk-nag checks", () => {
  it("do report an unencrypted, non-TLS queue without a DLQ (the check is live)", () => {
    const app = new App();
    const stack = new Stack(app, "Bad");
    new sqs.Queue(stack, "Plain", { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const checks = new AwsSolutionsChecks(app);
    Validations.of(app).addPlugins(checks);
    const rules = checks.validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(["AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"]));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
