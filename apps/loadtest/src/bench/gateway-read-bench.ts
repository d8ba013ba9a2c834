import { type OutgoingHttpHeaders } from 'node:http';
import { cpus } from 'node:os';
import { processEnvironment } from '@workshop/config';
import { stopInfrastructure, upInfrastructure } from '@workshop/infra';
import { type SystemProcess, startSystem } from '@workshop/testing';
import { type ArrivalModel } from '../load/arrival-model';
import { HttpClient } from '../load/http-client';
import { runLoad, type LoadRunResult } from '../load/load-generator';
import { parsePrometheusText } from '../runner/prometheus-text';
import { loadTestPorts } from '../runner/scenario-runner';
import { createUser, signIn } from '../workload/seeding';
import { startBareChain } from './bare-chain';
import { median, medianSweep, throughputAtP99, type SweepPoint } from './throughput-at-p99';

/** Connections of the closed-loop sweep, rising. The last, enough to saturate either path on 2 cores, is the headline point. */
const SWEEP_CONNECTIONS = [4, 8, 16, 24, 32] as const;
/**
 * Sweeps of each path, interleaved. The figures are read off the median of the sweeps at each
 * point (`medianSweep`): in single sweeps the bare chain's throughput at 32 connections moved
 * 1,369 to 3,029 req/s within an hour and its curve dipped at one point or another, and one dip
 * moved the budget, the crossing and the denominator together.
 */
const SWEEPS = 3;
const WARM_UP_SECONDS = 3;
/** The sweep's points below the top one: a p99 over 5,000 to 15,000 answers each, three times over. */
const SWEEP_SECONDS = 5;
/** The top point of each sweep. */
const TOP_POINT_SECONDS = 6;
/** The open loop at the same rate for both paths. */
const OPEN_LOOP_SECONDS = 10;
/** The open-loop comparison runs both paths at this share of the gateway's closed-loop throughput. */
const SAME_RATE_SHARE = 0.7;
/**
 * Sockets each path's client may hold. The open loop keeps sending during a stall, and with no
 * idle connection every request due meanwhile would open a new one (256 before: the pool grew by
 * up to 190 mid-run); 64 covers the sweep's top and a stall's worth of requests at the open rate.
 */
const CLIENT_SOCKETS = 64;
/** Other processes using more than this many cores during a measurement took CPU the paths needed: the run is flagged. */
const OTHER_LOAD_LIMIT_CORES = 0.25;
/** The issue's goal and target for the gateway's throughput at the bare chain's p99, as a share of the bare chain's. */
const GOAL_RATIO = 0.75;
const TARGET_RATIO = 0.8;

/** One of the two paths, with one client for the whole bench: its connections stay open and warm between measurements. */
interface BenchPath {
  name: 'bare chain' | 'gateway';
  client: HttpClient;
  headers: OutgoingHttpHeaders;
  /** The bare chain serves from the generator's own process. */
  sharesProcessWithSystem: boolean;
}

interface Measurement {
  run: LoadRunResult;
  /** CPU seconds each system process spent during the run. */
  cpuSeconds: Record<string, number>;
  /** Cores the machine spent on anything but the generator and the system's processes (Redis, idle infrastructure, other users). */
  otherProcessesCores: number;
  warnings: string[];
}

interface PathFigures {
  throughputPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** A point measured once per sweep: the medians of the sweeps, and the errors of all of them. */
const medianFiguresOf = (measurements: readonly Measurement[]): PathFigures => ({
  throughputPerSecond: Math.round(median(measurements.map(({ run }) => run.throughputPerSecond))),
  p50: median(measurements.map(({ run }) => run.latency.p50)),
  p99: median(measurements.map(({ run }) => run.latency.p99)),
  errors: measurements.reduce((total, { run }) => total + run.errors, 0),
});

const sweepPointOf = (connections: number, { run }: Measurement): SweepPoint => ({
  connections,
  throughputPerSecond: Math.round(run.throughputPerSecond),
  p99: run.latency.p99,
});

/** One sweep of a path, measured at `SWEEP_CONNECTIONS` in order, as a curve. */
const curveOf = (sweep: readonly Measurement[]): SweepPoint[] =>
  sweep.map((measurement, index) => sweepPointOf(SWEEP_CONNECTIONS[index] as number, measurement));

const asPairs = (curve: readonly SweepPoint[]) => curve.map((point) => [point.throughputPerSecond, point.p99]);

const ratio = (part: number, whole: number) => Number((part / whole).toFixed(3));

/** The process's CPU time so far (user + system), as its own prom-client reports it. */
async function cpuSecondsOf(target: SystemProcess): Promise<number> {
  const text = await (await fetch(`${target.httpUrl}/metrics`)).text();
  const sample = parsePrometheusText(text).find((candidate) => candidate.name === 'process_cpu_seconds_total');
  if (sample === undefined) throw new Error(`${target.name} does not export process_cpu_seconds_total`);
  return sample.value;
}

/**
 * Runs `arrival` against `path` and accounts for the machine's CPU meanwhile: what each system
 * process spent, and what was left to other processes. On two shared cores another user's job
 * taking a core turns half load into overload, so a run says how much it had to share.
 */
async function measure(
  path: BenchPath,
  requestPath: string,
  arrival: ArrivalModel,
  processes: readonly SystemProcess[],
): Promise<Measurement> {
  const before = await Promise.all(processes.map(cpuSecondsOf));
  const startedMs = performance.now();
  const issue = async () => ({
    operation: 'get-user',
    status: (await path.client.send({ method: 'GET', path: requestPath, headers: path.headers })).status,
  });
  const run = await runLoad(arrival, issue, { sharesProcessWithSystem: path.sharesProcessWithSystem });
  const elapsedSeconds = (performance.now() - startedMs) / 1000;
  const after = await Promise.all(processes.map(cpuSecondsOf));
  const cpuSeconds = Object.fromEntries(processes.map((target, index) => [target.name, (after[index] ?? 0) - (before[index] ?? 0)]));
  const systemCores = Object.values(cpuSeconds).reduce((total, seconds) => total + seconds, 0) / elapsedSeconds;
  const { machineBusyShare, generatorCoreShare } = run.generator.cpu;
  const otherProcessesCores = Math.max(0, machineBusyShare * cpus().length - generatorCoreShare - systemCores);
  const warnings = [...run.generator.warnings];
  if (otherProcessesCores > OTHER_LOAD_LIMIT_CORES) warnings.push(`other processes used ${otherProcessesCores.toFixed(2)} cores`);
  return { run, cpuSeconds, otherProcessesCores, warnings };
}

/** CPU each process spent per answered request over `measurements` (their CPU and answers pooled), in microseconds. */
function cpuMicrosecondsPerRequest(measurements: readonly Measurement[], names: readonly string[]): Record<string, number> {
  const answered = Math.max(
    1,
    measurements.reduce((total, { run }) => total + run.completed - run.errors, 0),
  );
  const cpuSecondsOf = (name: string) => measurements.reduce((total, { cpuSeconds }) => total + (cpuSeconds[name] ?? 0), 0);
  return Object.fromEntries(names.map((name) => [name, Math.round((cpuSecondsOf(name) * 1e6) / answered)]));
}

const formatCurve = (curve: readonly SweepPoint[]) =>
  curve.map((point) => `${point.connections}: ${Math.round(point.throughputPerSecond)}/s ${point.p99} ms`).join(', ');

const summarize = ({ run }: Measurement) =>
  `${Math.round(run.throughputPerSecond)} req/s, p50 ${run.latency.p50} ms, p99 ${run.latency.p99} ms`;

/**
 * GET /users/:id on a cache hit through the gateway against the bare chain, in the same run, to
 * answer the issue's goal literally: the gateway's throughput at the bare chain's p99.
 *
 * Closed-loop sweeps over connection counts (4 to 32), the two paths alternating point by point
 * so both curves see the same machine, three sweeps of each; at each point the median throughput
 * and the median p99 of the three make each path's curve (`medianSweep`). The bare chain's p99 at
 * 32 connections is the budget; the gateway's throughput where its curve crosses that p99,
 * interpolated between the neighbouring points, over the bare chain's throughput at 32, is the
 * ratio the goal speaks of (null, with the reason, when the gateway's p99 is above the budget
 * even at 4 connections). What each sweep alone would have answered is printed beside it.
 *
 * Why a closed-loop sweep and not an open-loop search for the highest rate under a common p99:
 * on this machine an open loop's p99 is set by a few stop-the-world pauses per run (major GCs of
 * 25-66 ms in the gateway, user-service and the bare chain, other jobs on the shared cores), each
 * building a backlog that takes 0.1-1 s to drain at half load. The open loop charges every
 * request in that backlog, which is right for latency under load, but a 10-second run sees a
 * handful of such pauses and its p99 swings 0.8-2.9 times between runs at the same rate; a search
 * would need several such runs per path, over the bench's three minutes, to land on the same
 * noise. A closed loop's p99 at N connections is what N requests at a time wait: it moves a few
 * milliseconds between runs, and it is the same measure for both paths.
 *
 * The open loop at 0.7 of the gateway's throughput stays, on warm connections, as the figure for
 * latency under load. Ends with one JSON line holding every figure and ratio.
 */
export async function runGatewayReadBench(log: (message: string) => void = console.log): Promise<Record<string, unknown>> {
  const env = processEnvironment();
  const up = await upInfrastructure({ env });
  const bare = await startBareChain(up.config.redis.url);
  // One client address and one user at full speed: the gateway's rate limits would be what is measured.
  // The cache's memory tier off: every hit is then a Redis hit, the same hop the bare chain makes
  // (with it on, user-service answered from its own memory and the gateway's path skipped Redis).
  const system = await startSystem({
    ports: loadTestPorts(env),
    env: { LOG_LEVEL: 'error', RATE_LIMIT_ENABLED: 'false', CACHE_MEMORY_ENABLED: 'false' },
  });
  const clientOptions = { maxSockets: CLIENT_SOCKETS, timeoutMs: 10_000 };
  const barePath: BenchPath = {
    name: 'bare chain',
    client: new HttpClient(bare.url, clientOptions),
    headers: {},
    sharesProcessWithSystem: true,
  };
  const gatewayPath: BenchPath = {
    name: 'gateway',
    client: new HttpClient(system.gatewayUrl, clientOptions),
    headers: {},
    sharesProcessWithSystem: false,
  };
  try {
    const seedClient = new HttpClient(system.gatewayUrl, { maxSockets: 4, timeoutMs: 10_000 });
    const user = await createUser(seedClient, `bench-${Date.now()}@example.com`, 'Bench user');
    // The gateway verifies the bearer token on every request, as it must: part of the edge's cost.
    gatewayPath.headers = await signIn(seedClient, user.email);
    // The first read fills user-service's cache; every measured read is a hit.
    const first = await seedClient.send({ method: 'GET', path: `/users/${user.id}`, headers: gatewayPath.headers });
    seedClient.close();
    const answer = JSON.parse(first.body) as {
      id: string;
      email: string;
      name: string;
      createdAt: string;
      creditLimitMinor: number;
      orderStatistics: unknown;
    };
    await bare.cacheUser({
      user: {
        id: answer.id,
        email: answer.email,
        name: answer.name,
        createdAt: new Date(answer.createdAt),
        creditLimitMinor: answer.creditLimitMinor,
      },
      orderStatistics: { ordersCount: 0, totalSpent: [] },
    });
    const requestPath = `/users/${user.id}`;
    const processes = system.processes;
    const measureOn = (path: BenchPath, arrival: ArrivalModel) => measure(path, requestPath, arrival, processes);
    const closed = (connections: number, seconds: number): ArrivalModel => ({
      kind: 'closed',
      users: connections,
      durationSeconds: seconds,
      thinkTimeMs: 0,
    });
    const topConnections = SWEEP_CONNECTIONS[SWEEP_CONNECTIONS.length - 1] as number;

    log(`warm-up: ${WARM_UP_SECONDS}s at ${topConnections} connections on each path`);
    await measureOn(barePath, closed(topConnections, WARM_UP_SECONDS));
    await measureOn(gatewayPath, closed(topConnections, WARM_UP_SECONDS));

    log(
      `closed-loop sweeps over ${SWEEP_CONNECTIONS.join(', ')} connections, ${SWEEPS} of each path, ${SWEEP_SECONDS}s a point (${TOP_POINT_SECONDS}s at ${topConnections})`,
    );
    const bareSweeps: Measurement[][] = [];
    const gatewaySweeps: Measurement[][] = [];
    for (let sweep = 0; sweep < SWEEPS; sweep += 1) {
      const bareSweep: Measurement[] = [];
      const gatewaySweep: Measurement[] = [];
      for (const connections of SWEEP_CONNECTIONS) {
        const seconds = connections === topConnections ? TOP_POINT_SECONDS : SWEEP_SECONDS;
        // Which path goes first alternates, so neither always meets the machine as the other left it.
        const bareFirst = sweep % 2 === 0;
        const firstAt = await measureOn(bareFirst ? barePath : gatewayPath, closed(connections, seconds));
        const secondAt = await measureOn(bareFirst ? gatewayPath : barePath, closed(connections, seconds));
        const [bareAt, gatewayAt] = bareFirst ? [firstAt, secondAt] : [secondAt, firstAt];
        bareSweep.push(bareAt);
        gatewaySweep.push(gatewayAt);
        log(
          `  ${sweep + 1}/${SWEEPS} ${String(connections).padStart(2)}: bare chain ${summarize(bareAt)} | gateway ${summarize(gatewayAt)}`,
        );
      }
      bareSweeps.push(bareSweep);
      gatewaySweeps.push(gatewaySweep);
    }
    const topIndex = SWEEP_CONNECTIONS.length - 1;
    const bareTops = bareSweeps.map((sweep) => sweep[topIndex] as Measurement);
    const gatewayTops = gatewaySweeps.map((sweep) => sweep[topIndex] as Measurement);
    const bareTop = medianFiguresOf(bareTops);
    const gatewayTop = medianFiguresOf(gatewayTops);
    // The read's two hops; order-service idles through it.
    const onThePath = processes.filter((target) => target.service !== 'order-service').map((target) => target.name);
    const cpuMicroseconds = cpuMicrosecondsPerRequest(gatewayTops, onThePath);
    log(
      `  CPU per request at ${topConnections} (µs, the gateway's ${SWEEPS} top points): ${Object.entries(cpuMicroseconds)
        .map(([name, micros]) => `${name} ${micros}`)
        .join(', ')}`,
    );

    const bareCurve = medianSweep(bareSweeps.map(curveOf));
    const gatewayCurve = medianSweep(gatewaySweeps.map(curveOf));
    log(`  median of the sweeps: bare chain ${formatCurve(bareCurve)} | gateway ${formatCurve(gatewayCurve)}`);
    const budget = bareTop.p99;
    const atBudget = throughputAtP99(gatewayCurve, budget);
    const sameP99Ratio = atBudget.throughputPerSecond === null ? null : ratio(atBudget.throughputPerSecond, bareTop.throughputPerSecond);
    log(
      atBudget.throughputPerSecond === null
        ? `gateway at the bare chain's p99 (${budget} ms): none, ${atBudget.reason}`
        : `gateway at the bare chain's p99 (${budget} ms): ${Math.round(atBudget.throughputPerSecond)} req/s, ${sameP99Ratio} of the bare chain's ${bareTop.throughputPerSecond} (goal ${GOAL_RATIO}, target ${TARGET_RATIO})`,
    );
    // What each sweep alone would have answered: the spread the medians smooth over, shown, not used.
    const sameP99RatioOfEachSweep = bareSweeps.map((bareSweep, sweep) => {
      const bareAtTop = bareSweep[topIndex] as Measurement;
      const alone = throughputAtP99(curveOf(gatewaySweeps[sweep] as Measurement[]), bareAtTop.run.latency.p99);
      return alone.throughputPerSecond === null ? null : ratio(alone.throughputPerSecond, bareAtTop.run.throughputPerSecond);
    });
    log(`  each sweep alone: ${sameP99RatioOfEachSweep.map((each) => each ?? 'none').join(', ')}`);

    const rate = Math.max(10, Math.round(gatewayTop.throughputPerSecond * SAME_RATE_SHARE));
    const open = (seconds: number): ArrivalModel => ({ kind: 'open', stages: [{ ratePerSecond: rate, durationSeconds: seconds }] });
    log(
      `open loop at ${rate} req/s for both (${SAME_RATE_SHARE * 100}% of the gateway's throughput), after ${WARM_UP_SECONDS}s at that rate`,
    );
    const openOn = async (path: BenchPath) => {
      await measureOn(path, open(WARM_UP_SECONDS));
      const connectionsBefore = path.client.connectionsOpened;
      const measurement = await measureOn(path, open(OPEN_LOOP_SECONDS));
      return { measurement, connectionsOpened: path.client.connectionsOpened - connectionsBefore };
    };
    const bareOpen = await openOn(barePath);
    const gatewayOpen = await openOn(gatewayPath);
    const bareOpenP99 = bareOpen.measurement.run.latency.p99;
    const gatewayOpenP99 = gatewayOpen.measurement.run.latency.p99;
    log(`  bare chain p99 ${bareOpenP99} ms, gateway p99 ${gatewayOpenP99} ms`);

    const measurements = [...bareSweeps.flat(), ...gatewaySweeps.flat(), bareOpen.measurement, gatewayOpen.measurement];
    const warnings = new Set(measurements.flatMap((measurement) => measurement.warnings));
    for (const warning of warnings) log(`  warning: ${warning}`);
    const worst = (figure: (measurement: Measurement) => number) => Number(Math.max(...measurements.map(figure)).toFixed(3));
    return {
      bench: 'gateway-get-user-cache-hit-vs-bare-chain',
      connections: topConnections,
      sweeps: SWEEPS,
      bareChain: bareTop,
      gateway: gatewayTop,
      gatewayCpuMicrosecondsPerRequest: cpuMicroseconds,
      throughputRatio: ratio(gatewayTop.throughputPerSecond, bareTop.throughputPerSecond),
      atSameP99: {
        p99BudgetMs: budget,
        gatewayThroughputPerSecond: atBudget.throughputPerSecond === null ? null : Math.round(atBudget.throughputPerSecond),
        ...(atBudget.between === undefined ? { reason: atBudget.reason } : { betweenConnections: atBudget.between }),
        ratio: sameP99Ratio,
        goalMet: sameP99Ratio !== null && sameP99Ratio >= GOAL_RATIO,
        targetMet: sameP99Ratio !== null && sameP99Ratio >= TARGET_RATIO,
        ratioOfEachSweep: sameP99RatioOfEachSweep,
      },
      sweep: {
        connections: SWEEP_CONNECTIONS,
        bareChain: asPairs(bareCurve),
        gateway: asPairs(gatewayCurve),
        bareChainEachSweep: bareSweeps.map((sweep) => asPairs(curveOf(sweep))),
        gatewayEachSweep: gatewaySweeps.map((sweep) => asPairs(curveOf(sweep))),
      },
      sameRate: {
        ratePerSecond: rate,
        bareChainP99: bareOpenP99,
        gatewayP99: gatewayOpenP99,
        p99Ratio: bareOpenP99 > 0 ? ratio(gatewayOpenP99, bareOpenP99) : null,
        sendLagP99: {
          bareChain: bareOpen.measurement.run.generator.sendLag.p99,
          gateway: gatewayOpen.measurement.run.generator.sendLag.p99,
        },
        connectionsOpened: { bareChain: bareOpen.connectionsOpened, gateway: gatewayOpen.connectionsOpened },
      },
      machineCpuBusy: worst(({ run }) => run.generator.cpu.machineBusyShare),
      otherProcessesCores: worst(({ otherProcessesCores }) => otherProcessesCores),
      flagged: warnings.size > 0,
    };
  } finally {
    barePath.client.close();
    gatewayPath.client.close();
    await system.stop();
    await bare.close();
    if (up.started.length > 0) await stopInfrastructure({ env });
  }
}
