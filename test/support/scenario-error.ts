/** The error a scenario text is rejected with; fails the test when the text is accepted. */
import { parseScenario } from "../../sandbox/k8s-sim/scenario.ts";
import { SourceError } from "../../sandbox/k8s-sim/source-error.ts";

export function scenarioError(text: string, file = "my.yaml"): SourceError {
  try {
    parseScenario(text, file);
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error("expected the scenario to be rejected");
}
