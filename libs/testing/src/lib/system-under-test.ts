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

export interface RunningSystem {
  /** Base URL of the gateway, e.g. http://127.0.0.1:3100 */
  readonly gatewayUrl: string;
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
  options: { ports?: SystemPorts; env?: Environment; readyTimeoutMs?: number } = {},
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

  const userServiceUrl = `127.0.0.1:${ports.userServiceGrpc}`;
  const orderServiceUrl = `127.0.0.1:${ports.orderServiceGrpc}`;
  launch(
    'user-service',
    'apps/user-service/src/main.ts',
    { GRPC_LISTEN_ADDRESS: userServiceUrl, HTTP_PORT: String(ports.userServiceHttp) },
    ports.userServiceHttp,
  );
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

  const stop = async (): Promise<ProcessExit[]> =>
    Promise.all(
      processes.map(async ({ name, child }) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const forceKill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(forceKill);
        }
        return { name, code: child.exitCode, signal: child.signalCode };
      }),
    );

  try {
    await Promise.all(
      processes.map(({ name, child, healthUrl }) => waitUntilReady(name, child, healthUrl, options.readyTimeoutMs ?? 90_000)),
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- process output ---\n${output}`);
  }
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, output: () => output, stop };
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
