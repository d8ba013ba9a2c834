import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { portOffset, processEnvironment, type Environment } from '@workshop/config';
import { stopComponent, upInfrastructure, type ComponentName } from '@workshop/infra';
import { startSystem, TEST_SYSTEM_PORTS, type RunningSystem, type SystemPorts } from '@workshop/testing';
import { type ArrivalModel } from '../load/arrival-model';
import { HttpClient } from '../load/http-client';
import { runLoad, type LoadRunResult } from '../load/load-generator';
import { type CapacityModel, type Scenario, type SystemConfiguration } from '../scenario/scenario';
import { loadTestAdminEmail, seedDataset } from '../workload/seeding';
import { Workload, type WorkloadFigures } from '../workload/workload';
import { scheduleFaults, type FaultRecord } from './fault-injector';
import { MetricsScraper, type ServerFigures } from './server-metrics';

/**
 * The runner's own ports: the end-to-end tests' plus 50, shifted by WORKSHOP_PORT_OFFSET like
 * everything else, so a scenario can run beside `npm test` and beside another checkout's stack.
 */
export function loadTestPorts(env: Environment = processEnvironment()): SystemPorts {
  const shift = 50 + portOffset(env);
  const shifted = Object.entries(TEST_SYSTEM_PORTS).map(([name, port]) => [name, port + shift]);
  return Object.fromEntries(shifted) as unknown as SystemPorts;
}

export interface ConfigurationResult {
  configuration: {
    name: string;
    env: Environment;
    serviceEnv: SystemConfiguration['serviceEnv'];
    instances: { 'user-service': number; 'order-service': number };
    postgresReplicas: number;
    capacity: CapacityModel | null;
  };
  /** Set when this build cannot run the configuration (e.g. it rejects a variable's value). */
  skipped?: string;
  load?: LoadRunResult;
  server?: ServerFigures;
  workload?: WorkloadFigures;
  faults: FaultRecord[];
  /** How each process ended; a non-zero code on SIGTERM is a finding. */
  exits: { name: string; code: number | null; signal: string | null }[];
}

export interface ScenarioResult {
  scenario: { name: string; title: string; question: string; figures: Scenario['figures']; scalingAxis?: string };
  runId: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string };
  /** Whether any configuration ran with the capacity model, and with what. */
  capacityModel: CapacityModel | null;
  arrival: ArrivalModel;
  warmUpSeconds: number;
  seed: Scenario['seed'];
  configurations: ConfigurationResult[];
  /** Values of the scaling axis per configuration, when the scenario has one. */
  scalingValues?: number[];
}

export interface RunOptions {
  log?: (message: string) => void;
}

/** The HTTP client's limits: many sockets for open-loop bursts, a timeout past the gateway's deadline. */
const CLIENT_OPTIONS = { maxSockets: 512, timeoutMs: 10_000 };

/**
 * Runs every configuration of a scenario, one after the other, each from a fresh start: the
 * infrastructure it needs, the services with its settings and instance counts, a dataset seeded
 * through the API, a warm-up, the measured run with its fault windows, a last scrape of every
 * process's metrics, and a clean stop. Infrastructure this call started is stopped at the end.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const log = options.log ?? (() => undefined);
  const runId = `${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 6)}`;
  const startedAt = new Date().toISOString();
  const infraEnv = { ...processEnvironment() };
  const startedComponents = new Set<ComponentName>();
  const configurations: ConfigurationResult[] = [];
  try {
    for (const [index, configuration] of scenario.configurations.entries()) {
      log(`[${scenario.name}] ${index + 1}/${scenario.configurations.length}: ${configuration.name}`);
      configurations.push(await runConfiguration(scenario, configuration, `${runId}-${index}`, infraEnv, startedComponents, log));
    }
  } finally {
    // Only what this run started: a stack that was already up (a developer's, or the test
    // suite's) stays as it was, for whatever runs next.
    if (startedComponents.size > 0) {
      log(`[${scenario.name}] stopping what this run started: ${[...startedComponents].join(', ')}`);
      for (const component of [...startedComponents].reverse()) await stopComponent(component, { env: infraEnv });
    }
  }
  const capacity = scenario.configurations.find((configuration) => configuration.capacity)?.capacity ?? null;
  const axis = scenario.scalingAxis;
  return {
    scenario: {
      name: scenario.name,
      title: scenario.title,
      question: scenario.question,
      figures: scenario.figures,
      scalingAxis: scenario.scalingAxis?.label,
    },
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
    capacityModel: capacity,
    arrival: scenario.arrival,
    warmUpSeconds: scenario.warmUpSeconds,
    seed: scenario.seed,
    configurations,
    scalingValues: axis ? scenario.configurations.map((configuration) => axis.valueOf(configuration)) : undefined,
  };
}

/**
 * What every configuration runs with unless it says otherwise. All the load comes from one
 * address, which the gateway's per-address limit would throttle: rate limiting is off except in
 * the scenario that measures it. Seeding signs many users up at once, which the sign-up limit
 * (there against password guessing) would refuse.
 */
const LOAD_TEST_GATEWAY_DEFAULTS: Environment = {
  RATE_LIMIT_ENABLED: 'false',
  RATE_LIMIT_CREDENTIALS_PER_MINUTE: '1000000',
  RATE_LIMIT_CREDENTIALS_BURST: '100000',
};

function describe(configuration: SystemConfiguration): ConfigurationResult['configuration'] {
  return {
    name: configuration.name,
    env: configuration.env ?? {},
    serviceEnv: configuration.serviceEnv ?? {},
    instances: {
      'user-service': configuration.instances?.['user-service'] ?? 1,
      'order-service': configuration.instances?.['order-service'] ?? 1,
    },
    postgresReplicas: configuration.postgresReplicas ?? 1,
    capacity: configuration.capacity ?? null,
  };
}

/** The capacity model as the services read it: two variables, unset meaning off. */
function capacityEnvironment(capacity: CapacityModel | undefined): Environment {
  if (capacity === undefined) return {};
  return { CAPACITY_MAX_CONCURRENCY: String(capacity.maxConcurrency), CAPACITY_SERVICE_TIME_MS: String(capacity.serviceTimeMs) };
}

async function runConfiguration(
  scenario: Scenario,
  configuration: SystemConfiguration,
  runId: string,
  infraEnv: Environment,
  startedComponents: Set<ComponentName>,
  log: (message: string) => void,
): Promise<ConfigurationResult> {
  const described = describe(configuration);
  const replicas = described.postgresReplicas;
  const up = await upInfrastructure({ env: infraEnv, postgresReplicas: replicas });
  up.started.forEach((component) => startedComponents.add(component));
  // Replicas beyond this configuration's count (left by an earlier one) would only take CPU.
  for (const status of up.statuses) {
    const number = /^postgres-replica-(\d+)$/.exec(status.name)?.[1];
    if (number !== undefined && Number(number) > replicas && status.state === 'running')
      await stopComponent(status.name, { env: infraEnv });
  }

  const backendEnv = { DATABASE_REPLICA_URLS: up.config.postgres.replicaUrls.join(','), ...capacityEnvironment(configuration.capacity) };
  let system: RunningSystem;
  try {
    system = await startSystem({
      ports: loadTestPorts(infraEnv),
      env: { ...LOAD_TEST_GATEWAY_DEFAULTS, ...configuration.env },
      serviceEnv: {
        'user-service': { ...backendEnv, ADMIN_EMAILS: loadTestAdminEmail(runId), ...configuration.serviceEnv?.['user-service'] },
        'order-service': { ...backendEnv, ...configuration.serviceEnv?.['order-service'] },
        gateway: configuration.serviceEnv?.gateway,
      },
      instances: configuration.instances,
    });
  } catch (error) {
    const message = (error as Error).message;
    // A build that does not know a setting's value yet (a list where it takes one address) is
    // reported, not fatal: the other configurations still compare.
    const invalid = /Invalid configuration:\n((?:\s+- .*\n?)+)/.exec(message);
    if (invalid?.[1] !== undefined) {
      const problems = [
        ...new Set(
          invalid[1]
            .split('\n')
            .map((line) => line.trim())
            .filter((line) => line.length > 0),
        ),
      ].join(' ');
      log(`  skipped: this build rejects the configuration: ${problems}`);
      return { configuration: described, skipped: `this build rejects the configuration: ${problems}`, faults: [], exits: [] };
    }
    throw error;
  }

  const client = new HttpClient(system.gatewayUrl, CLIENT_OPTIONS);
  let measured: Omit<ConfigurationResult, 'exits'>;
  let exits: ConfigurationResult['exits'];
  try {
    log(`  seeding ${scenario.seed.users} users, ${scenario.seed.ordersPerUser} orders each`);
    const dataset = await seedDataset(client, { ...scenario.seed, runId });
    const arrival = configuration.arrival ?? scenario.arrival;
    if (scenario.warmUpSeconds > 0) {
      log(`  warming up for ${scenario.warmUpSeconds}s`);
      const warmUp = new Workload(client, dataset, scenario.workload, `${runId}-warm`, 1);
      await runLoad(warmUpModel(arrival, scenario.warmUpSeconds), warmUp.issue);
      await warmUp.figures();
    }

    const scraper = new MetricsScraper(system.processes.map(({ name, service, httpUrl }) => ({ name, service, httpUrl })));
    await scraper.start();
    const workload = new Workload(client, dataset, scenario.workload, runId, 2);
    log(`  measuring: ${describeArrival(arrival)}`);
    const faults = scheduleFaults(configuration.faults ?? [], system, infraEnv);
    const load = await runLoad(arrival, workload.issue);
    const faultRecords = await faults;
    const workloadFigures = await workload.figures();
    const server = await scraper.stop();
    for (const warning of load.generator.warnings) log(`  warning: ${warning}`);
    log(`  ${load.throughputPerSecond.toFixed(1)} req/s ok, p99 ${load.latency.p99} ms, errors ${load.errors}, rejected ${load.rejected}`);
    measured = { configuration: described, load, server, workload: workloadFigures, faults: faultRecords };
  } finally {
    client.close();
    exits = await system.stop();
  }
  const unclean = exits.filter((exit) => exit.code !== 0);
  if (unclean.length > 0)
    log(`  processes that did not exit 0: ${unclean.map((exit) => `${exit.name} ${exit.code ?? exit.signal}`).join(', ')}`);
  return { ...measured, exits };
}

/** The warm-up runs the measured model's opening (its first rate, or its users) for a while. */
function warmUpModel(arrival: ArrivalModel, seconds: number): ArrivalModel {
  switch (arrival.kind) {
    case 'open':
      return { kind: 'open', stages: [{ ratePerSecond: arrival.stages[0]?.ratePerSecond ?? 1, durationSeconds: seconds }] };
    case 'closed':
      return { ...arrival, durationSeconds: seconds };
  }
}

function describeArrival(arrival: ArrivalModel): string {
  switch (arrival.kind) {
    case 'open':
      return `open loop, ${arrival.stages.map((stage) => `${stage.ratePerSecond} req/s for ${stage.durationSeconds}s`).join(', then ')}`;
    case 'closed':
      return `closed loop, ${arrival.users} users for ${arrival.durationSeconds}s`;
  }
}
