/**
 * The single incidents table from shared/resources.ts, with its sparse time-sorted indexes
 * for the post-incident queries. No Powertools idempotency table: every step is idempotent
 * on its domain key in this table (docs/design.md "Idempotency on domain keys"), and no function uses Powertools idempotency.
 */
import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { INCIDENTS_TABLE, resourceName } from "../../shared/resources.ts";

export interface IncidentTablesProps {
  readonly namePrefix: string;
}

const str = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });

export class IncidentTables extends Construct {
  readonly incidents: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: IncidentTablesProps) {
    super(scope, id);
    // On-demand: incident traffic is bursty (a node OOM is a storm, then silence for days).
    // Incidents are the audit trail of past outages: keep the table if the stack is deleted.
    this.incidents = new dynamodb.TableV2(this, "Incidents", {
      tableName: resourceName(INCIDENTS_TABLE.name, props.namePrefix),
      partitionKey: str(INCIDENTS_TABLE.partitionKey),
      sortKey: str(INCIDENTS_TABLE.sortKey),
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: INCIDENTS_TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: Object.values(INCIDENTS_TABLE.indexes).map((index) => ({
        indexName: index.name,
        partitionKey: str(index.partitionKey),
        sortKey: str(index.sortKey),
        // Queries render whole incidents: project everything rather than fetch each item again.
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }
}
