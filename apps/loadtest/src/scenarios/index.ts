import { type Scenario } from '../scenario/scenario';
import { asyncScenario } from './async.scenario';
import { baselineScenario } from './baseline.scenario';
import { cacheScenario } from './cache.scenario';
import { faultsScenario } from './faults.scenario';
import { rateLimitScenario } from './rate-limit.scenario';
import { replicasScenario } from './replicas.scenario';
import { scaleOutScenario } from './scale-out.scenario';

/** Every shipped scenario, in the order the README presents them. */
export const SCENARIOS: readonly Scenario[] = [
  baselineScenario,
  cacheScenario,
  replicasScenario,
  scaleOutScenario,
  asyncScenario,
  rateLimitScenario,
  faultsScenario,
];

export function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (scenario === undefined) {
    throw new Error(`No scenario named "${name}". Scenarios: ${SCENARIOS.map((candidate) => candidate.name).join(', ')}.`);
  }
  return scenario;
}
