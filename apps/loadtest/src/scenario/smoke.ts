import { type ArrivalModel } from '../load/arrival-model';
import { type Scenario } from './scenario';

/** Measured seconds per configuration in a smoke run. */
const SMOKE_SECONDS = 2;
const SMOKE_MAX_RATE = 50;
const SMOKE_MAX_USERS = 8;

function shortenArrival(arrival: ArrivalModel, factor: number): ArrivalModel {
  switch (arrival.kind) {
    case 'open':
      return {
        kind: 'open',
        stages: arrival.stages.map((stage) => ({
          ratePerSecond: Math.min(stage.ratePerSecond, SMOKE_MAX_RATE),
          durationSeconds: stage.durationSeconds * factor,
        })),
      };
    case 'closed':
      return { ...arrival, users: Math.min(arrival.users, SMOKE_MAX_USERS), durationSeconds: arrival.durationSeconds * factor };
  }
}

const durationOf = (arrival: ArrivalModel) =>
  arrival.kind === 'open' ? arrival.stages.reduce((total, stage) => total + stage.durationSeconds, 0) : arrival.durationSeconds;

/**
 * The same scenario, a few seconds long: every configuration, stage and fault window kept, time
 * and rates scaled down. The test suite runs every scenario this way to prove each one produces
 * a complete report; `--smoke` on the command line does the same for a quick look.
 */
export function smokeVersion(scenario: Scenario): Scenario {
  const factor = SMOKE_SECONDS / durationOf(scenario.arrival);
  return {
    ...scenario,
    configurations: scenario.configurations.map((configuration) => ({
      ...configuration,
      arrival: configuration.arrival && shortenArrival(configuration.arrival, SMOKE_SECONDS / durationOf(configuration.arrival)),
      faults: configuration.faults?.map((fault) => ({
        ...fault,
        startSecond: fault.startSecond * factor,
        durationSeconds: fault.durationSeconds * factor,
      })),
    })),
    seed: { users: Math.min(scenario.seed.users, 12), ordersPerUser: Math.min(scenario.seed.ordersPerUser, 1) },
    arrival: shortenArrival(scenario.arrival, factor),
    warmUpSeconds: Math.min(scenario.warmUpSeconds, 1),
  };
}
