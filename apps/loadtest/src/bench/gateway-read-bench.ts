import { type OutgoingHttpHeaders } from 'node:http';
import { processEnvironment } from '@workshop/config';
import { stopInfrastructure, upInfrastructure } from '@workshop/infra';
import { type SystemProcess, startSystem } from '@workshop/testing';
import { HttpClient } from '../load/http-client';
import { runLoad, type LoadRunResult } from '../load/load-generator';
import { parsePrometheusText } from '../runner/prometheus-text';
import { loadTestPorts } from '../runner/scenario-runner';
import { createUser, signIn } from '../workload/seeding';
import { startBareChain } from './bare-chain';

/** Concurrent connections of the closed-loop measurement: enough to saturate either path on 2 cores. */
const USERS = 32;
const WARM_UP_SECONDS = 3;
const MEASURE_SECONDS = 10;
/** The open-loop comparison runs both paths at this share of the gateway's closed-loop throughput. */
const SAME_RATE_SHARE = 0.7;

interface PathFigures {
  throughputPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

const figuresOf = (run: LoadRunResult): PathFigures => ({
  throughputPerSecond: Math.round(run.throughputPerSecond),
  p50: run.latency.p50,
  p99: run.latency.p99,
  errors: run.errors,
});

async function measure(
  url: string,
  path: string,
  arrival: Parameters<typeof runLoad>[0],
  headers: OutgoingHttpHeaders = {},
): Promise<LoadRunResult> {
  const client = new HttpClient(url, { maxSockets: 256, timeoutMs: 10_000 });
  try {
    const issue = async () => ({ operation: 'get-user', status: (await client.send({ method: 'GET', path, headers })).status });
    return await runLoad(arrival, issue);
  } finally {
    client.close();
  }
}

/** The process's CPU time so far (user + system), as its own prom-client reports it. */
async function cpuSecondsOf(target: SystemProcess): Promise<number> {
  const text = await (await fetch(`${target.httpUrl}/metrics`)).text();
  const sample = parsePrometheusText(text).find((candidate) => candidate.name === 'process_cpu_seconds_total');
  if (sample === undefined) throw new Error(`${target.name} does not export process_cpu_seconds_total`);
  return sample.value;
}

/**
 * Runs `measurement` and says how much CPU each of `processes` spent per answered request
 * meanwhile, in microseconds. On a machine whose cores everything shares, CPU per request is what
 * bounds throughput, and it moves far less from run to run than req/s does.
 */
async function withCpuPerRequest(
  processes: readonly SystemProcess[],
  measurement: () => Promise<LoadRunResult>,
): Promise<{ run: LoadRunResult; cpuMicroseconds: Record<string, number> }> {
  const before = await Promise.all(processes.map(cpuSecondsOf));
  const run = await measurement();
  const after = await Promise.all(processes.map(cpuSecondsOf));
  const answered = Math.max(1, run.completed - run.errors);
  const cpuMicroseconds = Object.fromEntries(
    processes.map((target, index) => [target.name, Math.round((((after[index] ?? 0) - (before[index] ?? 0)) * 1e6) / answered)]),
  );
  return { run, cpuMicroseconds };
}

/**
 * GET /users/:id on a cache hit through the gateway against the bare chain, in the same run:
 * closed loop for throughput (and its p99), then open loop at the same rate for both, so the
 * p99s compare at equal load. Ends with one JSON line holding every figure and ratio.
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
  try {
    const seedClient = new HttpClient(system.gatewayUrl, { maxSockets: 4, timeoutMs: 10_000 });
    const user = await createUser(seedClient, `bench-${Date.now()}@example.com`, 'Bench user');
    // The gateway verifies the bearer token on every request, as it must: part of the edge's cost.
    const authorization = await signIn(seedClient, user.email);
    // The first read fills user-service's cache; every measured read is a hit.
    const first = await seedClient.send({ method: 'GET', path: `/users/${user.id}`, headers: authorization });
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
    const path = `/users/${user.id}`;
    const closed = (seconds: number) => ({ kind: 'closed' as const, users: USERS, durationSeconds: seconds, thinkTimeMs: 0 });

    log(`closed loop, ${USERS} connections, ${MEASURE_SECONDS}s each (after ${WARM_UP_SECONDS}s warm-up)`);
    await measure(bare.url, path, closed(WARM_UP_SECONDS));
    const bareClosed = await measure(bare.url, path, closed(MEASURE_SECONDS));
    log(
      `  bare chain: ${Math.round(bareClosed.throughputPerSecond)} req/s, p50 ${bareClosed.latency.p50} ms, p99 ${bareClosed.latency.p99} ms`,
    );
    await measure(system.gatewayUrl, path, closed(WARM_UP_SECONDS), authorization);
    // The read's two hops; order-service idles through it.
    const onThePath = system.processes.filter((target) => target.service !== 'order-service');
    const { run: gatewayClosed, cpuMicroseconds } = await withCpuPerRequest(onThePath, () =>
      measure(system.gatewayUrl, path, closed(MEASURE_SECONDS), authorization),
    );
    log(
      `  gateway:    ${Math.round(gatewayClosed.throughputPerSecond)} req/s, p50 ${gatewayClosed.latency.p50} ms, p99 ${gatewayClosed.latency.p99} ms`,
    );
    log(
      `  CPU per request (µs): ${Object.entries(cpuMicroseconds)
        .map(([name, micros]) => `${name} ${micros}`)
        .join(', ')}`,
    );

    const rate = Math.max(10, Math.round(gatewayClosed.throughputPerSecond * SAME_RATE_SHARE));
    const open = { kind: 'open' as const, stages: [{ ratePerSecond: rate, durationSeconds: MEASURE_SECONDS }] };
    log(`open loop at ${rate} req/s for both (${SAME_RATE_SHARE * 100}% of the gateway's throughput)`);
    const bareOpen = await measure(bare.url, path, open);
    const gatewayOpen = await measure(system.gatewayUrl, path, open, authorization);
    log(`  bare chain p99 ${bareOpen.latency.p99} ms, gateway p99 ${gatewayOpen.latency.p99} ms`);

    const warnings = [bareClosed, gatewayClosed, bareOpen, gatewayOpen].flatMap((run) => run.generator.warnings);
    for (const warning of new Set(warnings)) log(`  warning: ${warning}`);
    return {
      bench: 'gateway-get-user-cache-hit-vs-bare-chain',
      connections: USERS,
      measureSeconds: MEASURE_SECONDS,
      bareChain: figuresOf(bareClosed),
      gateway: figuresOf(gatewayClosed),
      gatewayCpuMicrosecondsPerRequest: cpuMicroseconds,
      throughputRatio: Number((gatewayClosed.throughputPerSecond / bareClosed.throughputPerSecond).toFixed(3)),
      sameRate: {
        ratePerSecond: rate,
        bareChainP99: bareOpen.latency.p99,
        gatewayP99: gatewayOpen.latency.p99,
        p99Ratio: bareOpen.latency.p99 > 0 ? Number((gatewayOpen.latency.p99 / bareOpen.latency.p99).toFixed(3)) : null,
      },
      machineCpuBusy: Number(Math.max(gatewayClosed.generator.cpu.machineBusyShare, bareClosed.generator.cpu.machineBusyShare).toFixed(3)),
      flagged: warnings.length > 0,
    };
  } finally {
    await system.stop();
    await bare.close();
    if (up.started.length > 0) await stopInfrastructure({ env });
  }
}
