/**
 * Where notify publishes severity events (source `oomwatch`) for runbook automation, and an
 * example rule: every Level 3 (node OOM) event goes to the alarm topic, so it pages whoever
 * subscribes there even if Slack is down.
 */
import { Stack } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { severityDetailType } from "../../shared/severity-event.ts";
import { EVENT_SOURCE, resourceName } from "../../shared/resources.ts";

export interface SeverityEventsProps {
  /** `default` for the account's default bus; otherwise the name of a bus this stack creates. */
  readonly busName: string;
  readonly namePrefix: string;
  readonly level3Topic: sns.ITopic;
}

export class SeverityEvents extends Construct {
  readonly bus: events.IEventBus;
  readonly level3Rule: events.Rule;

  constructor(scope: Construct, id: string, props: SeverityEventsProps) {
    super(scope, id);
    this.bus =
      props.busName === "default"
        ? events.EventBus.fromEventBusName(this, "Bus", "default")
        : new events.EventBus(this, "Bus", {
            eventBusName: resourceName(props.busName, props.namePrefix),
            description: "oomwatch severity events",
          });
    this.level3Rule = new events.Rule(this, "Level3Rule", {
      eventBus: this.bus,
      description: "Example: oomwatch Level 3 (node OOM) incidents to the alarm topic",
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [severityDetailType(3)],
        account: [Stack.of(this).account],
        detail: { level: [3] },
      },
      targets: [new targets.SnsTopic(props.level3Topic)],
    });
  }

  /** The bus name as functions need it in EVENT_BUS_NAME. */
  get busName(): string {
    return this.bus.eventBusName;
  }
}
