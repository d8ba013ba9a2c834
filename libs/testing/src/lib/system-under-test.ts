import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { type Environment, portOffset, processEnvironment } from '@workshop/config';

/** Ports for one copy of the system, chosen apart from `nx serve`'s so both can run at once. */
export interface SystemPorts {
  gateway: number;
  userServiceGrpc: number;
  userServiceHttp: number;
  orderServiceGrpc: number;
  orderServiceHttp: number;
}

export const TEST_SYSTEM_PORTS: SystemPorts = {
  gateway: 3100,
  userServiceGrpc: 50151,
  userServiceHttp: 9201,
  orderServiceGrpc: 50152,
  orderServiceHttp: 9202,
};

/**
 * Further instances of a service take the ports of the first shifted by this much per instance
 * (user-service #2: gRPC 50161, HTTP 9211), which stays inside one WORKSHOP_PORT_OFFSET step.
 */
export const INSTANCE_PORT_STEP = 10;

/** TEST_SYSTEM_PORTS shifted by WORKSHOP_PORT_OFFSET, like the infrastructure it talks to. */
export function testSystemPorts(env: Environment = processEnvironment()): SystemPorts {
  const offset = portOffset(env);
  const shifted = Object.entries(TEST_SYSTEM_PORTS).map(([name, port]) => [name, port + offset]);
  return Object.fromEntries(shifted) as unknown as SystemPorts;
}

export interface ProcessExit {
  name: string;
  /** null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Where one instance of user-service answers. */
export interface ServiceInstance {
  readonly name: string;
  readonly grpcAddress: string;
  /** Port of its health and metrics server. */
  readonly httpPort: number;
}

export interface RunningSystem {
  /** Base URL of the gateway, e.g. http://127.0.0.1:3100 */
  readonly gatewayUrl: string;
  /** The user-service instances, in the order they were started. */
  readonly userServiceInstances: readonly ServiceInstance[];
  /**
   * Sends `signal` to one process and resolves with how it ended: SIGKILL is an instance dying
   * with calls in flight (a crash, an OOM kill), SIGTERM one leaving gracefully.
   */
  kill(name: string, signal: NodeJS.Signals): Promise<ProcessExit>;
  /** Everything the processes wrote, for a failing test to print. */
  readonly output: () => string;
  /**
   * Sends SIGTERM to every process, as an orchestrator would, and resolves with how each one
   * ended once all have exited (a process still running after 15 s is killed).
   */
  stop(): Promise<ProcessExit[]>;
}

const WORKSPACE_ROOT = join(__dirname, '../../../..');

/**
 * Starts the three services as real processes from their sources, exactly as their `main.ts`
 * runs in production, talking over real gRPC, Kafka, Postgres and Redis; resolves once every
 * process answers /health/ready. End-to-end tests use this so they test the system, not a
 * re-wiring of it.
 */
export async function startSystem(
  options: {
    ports?: SystemPorts;
    env?: Environment;
    readyTimeoutMs?: number;
    /** How many user-service instances to start; the clients balance over all of them. */
    userServiceInstances?: number;
  } = {},
): Promise<RunningSystem> {
  const ports = options.ports ?? testSystemPorts();
  const common = { LOG_LEVEL: 'warn', ...options.env };
  const processes: { name: string; child: ChildProcess; healthUrl: string }[] = [];
  let output = '';
  const launch = (name: string, entry: string, env: Environment, healthPort: number) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(WORKSPACE_ROOT, entry)], {
      cwd: WORKSPACE_ROOT,
      // The child reads its configuration from the environment, like any deployment.
      env: { ...processEnvironment(), SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json'), ...common, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += `[${name}] ${chunk.toString()}`));
    child.stderr?.on('data', (chunk: Buffer) => (output += `[${name}] ${chunk.toString()}`));
    processes.push({ name, child, healthUrl: `http://127.0.0.1:${healthPort}/health/ready` });
  };

  const instanceCount = options.userServiceInstances ?? 1;
  const userServiceInstances: ServiceInstance[] = Array.from({ length: instanceCount }, (_, index) => ({
    name: instanceCount === 1 ? 'user-service' : `user-service-${index + 1}`,
    grpcAddress: `127.0.0.1:${ports.userServiceGrpc + index * INSTANCE_PORT_STEP}`,
    httpPort: ports.userServiceHttp + index * INSTANCE_PORT_STEP,
  }));
  for (const instance of userServiceInstances) {
    const env = { GRPC_LISTEN_ADDRESS: instance.grpcAddress, HTTP_PORT: String(instance.httpPort) };
    launch(instance.name, 'apps/user-service/src/main.ts', env, instance.httpPort);
  }
  // Every client is given the whole list, as USER_SERVICE_URL accepts it.
  const userServiceUrl = userServiceInstances.map((instance) => instance.grpcAddress).join(',');
  const orderServiceUrl = `127.0.0.1:${ports.orderServiceGrpc}`;
  launch(
    'order-service',
    'apps/order-service/src/main.ts',
    { GRPC_LISTEN_ADDRESS: orderServiceUrl, HTTP_PORT: String(ports.orderServiceHttp), USER_SERVICE_URL: userServiceUrl },
    ports.orderServiceHttp,
  );
  launch(
    'gateway',
    'apps/gateway/src/main.ts',
    { HTTP_PORT: String(ports.gateway), USER_SERVICE_URL: userServiceUrl, ORDER_SERVICE_URL: orderServiceUrl },
    ports.gateway,
  );

  const end = async ({ name, child }: (typeof processes)[number], signal: NodeJS.Signals): Promise<ProcessExit> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill(signal);
      const forceKill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(forceKill);
    }
    return { name, code: child.exitCode, signal: child.signalCode };
  };
  const stop = async (): Promise<ProcessExit[]> => Promise.all(processes.map((started) => end(started, 'SIGTERM')));
  const kill = async (name: string, signal: NodeJS.Signals): Promise<ProcessExit> => {
    const started = processes.find((candidate) => candidate.name === name);
    if (started === undefined) throw new Error(`No process named ${name}: ${processes.map((candidate) => candidate.name).join(', ')}`);
    return end(started, signal);
  };

  try {
    await Promise.all(
      processes.map(({ name, child, healthUrl }) => waitUntilReady(name, child, healthUrl, options.readyTimeoutMs ?? 90_000)),
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- process output ---\n${output}`);
  }
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, userServiceInstances, output: () => output, stop, kill };
}

async function waitUntilReady(name: string, child: ChildProcess, healthUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not ready at ${healthUrl} within ${timeoutMs} ms`);
}
