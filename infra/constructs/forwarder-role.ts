/**
 * The IAM role the in-cluster forwarder assumes, through IRSA (the cluster's OIDC provider,
 * bound to one ServiceAccount) or EKS Pod Identity. It may do exactly one thing: send
 * messages to the events queue.
 */
import { Stack } from "aws-cdk-lib";
import * as eks from "aws-cdk-lib/aws-eks";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export type ForwarderAuth =
  | { readonly mode: "irsa"; readonly oidcProviderArn: string; readonly oidcIssuer: string }
  | {
      readonly mode: "pod-identity";
      /** When set, the stack creates the Pod Identity association in this EKS cluster. */
      readonly associateWithCluster?: string;
    };

export interface ForwarderRoleProps {
  readonly auth: ForwarderAuth;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly eventsQueue: sqs.IQueue;
}

function principalFor(scope: Construct, props: ForwarderRoleProps): iam.IPrincipal {
  const { auth } = props;
  if (auth.mode === "irsa") {
    const provider = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(scope, "OidcProvider", auth.oidcProviderArn);
    return new iam.OpenIdConnectPrincipal(provider, {
      StringEquals: {
        [`${auth.oidcIssuer}:sub`]: `system:serviceaccount:${props.namespace}:${props.serviceAccount}`,
        [`${auth.oidcIssuer}:aud`]: "sts.amazonaws.com",
      },
    });
  }
  // Pod Identity: the EKS agent assumes the role (sts:AssumeRole + sts:TagSession) on behalf
  // of the pod; the association pins it to the namespace/ServiceAccount.
  return new iam.SessionTagsPrincipal(
    new iam.PrincipalWithConditions(new iam.ServicePrincipal("pods.eks.amazonaws.com"), {
      StringEquals: { "aws:SourceAccount": Stack.of(scope).account },
    }),
  );
}

export class ForwarderRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ForwarderRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, "Role", {
      assumedBy: principalFor(this, props),
      description: `oomwatch forwarder (${props.auth.mode}, ${props.namespace}/${props.serviceAccount}): send to the events queue only`,
    });
    // SendMessageBatch is authorised by sqs:SendMessage; the queue URL comes from config, so
    // no GetQueueUrl/GetQueueAttributes either. SQS-managed SSE: no kms permission needed.
    props.eventsQueue.grant(this.role, "sqs:SendMessage");

    if (props.auth.mode === "pod-identity" && props.auth.associateWithCluster) {
      new eks.CfnPodIdentityAssociation(this, "PodIdentityAssociation", {
        clusterName: props.auth.associateWithCluster,
        namespace: props.namespace,
        serviceAccount: props.serviceAccount,
        roleArn: this.role.roleArn,
      });
    }
  }
}
