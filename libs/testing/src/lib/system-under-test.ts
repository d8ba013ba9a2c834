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

export type ServiceName = 'user-service' | 'order-service' | 'gateway';

/** One running process of the system: an instance of a service. */
export interface SystemProcess {
  /** The service name, with `-<n>` for instances after the first (`user-service-2`). */
  readonly name: string;
  readonly service: ServiceName;
  /** Its HTTP server: the gateway's API, or a service's health and metrics (`/metrics`). */
  readonly httpUrl: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends a signal (SIGKILL to crash it, as an OOM kill would) and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same settings, as an orchestrator restarts a crashed pod; resolves when ready. */
  restart(): Promise<void>;
}

export interface RunningSystem {
  /** Base URL of the gateway, e.g. http://127.0.0.1:3100 */
  readonly gatewayUrl: string;
  /** Every process, gateway last. */
  readonly processes: readonly SystemProcess[];
  /** Everything the processes wrote, for a failing test to print. */
  readonly output: () => string;
  /**
   * Sends SIGTERM to every process, as an orchestrator would, and resolves with how each one
   * ended once all have exited (a process still running after 15 s is killed).
   */
  stop(): Promise<ProcessExit[]>;
}

export interface SystemOptions {
  ports?: SystemPorts;
  /** Environment of every process. */
  env?: Environment;
  /** Environment of one service's processes, on top of `env` (e.g. CREDIT_CHECK_DELAY_MS for user-service). */
  serviceEnv?: Partial<Record<ServiceName, Environment>>;
  /**
   * Instances of each backend service (default 1). Instance n listens on the first instance's
   * ports + 10 * (n - 1), and its callers get every instance's address, comma-separated.
   */
  instances?: Partial<Record<Exclude<ServiceName, 'gateway'>, number>>;
  readyTimeoutMs?: number;
}

/**
 * Further instances of a service take the ports of the first shifted by this much per instance
 * (user-service #2: gRPC 50161, HTTP 9211), which stays inside one WORKSHOP_PORT_OFFSET step.
 */
export const INSTANCE_PORT_STRIDE = 10;
export const MAX_INSTANCES_PER_SERVICE = 4;

const WORKSPACE_ROOT = join(__dirname, '../../../..');

/**
 * Starts the three services as real processes from their sources, exactly as their `main.ts`
 * runs in production, talking over real gRPC, Kafka, Postgres and Redis; resolves once every
 * process answers /health/ready. End-to-end tests use this so they test the system, not a
 * re-wiring of it; the load-test runner uses it with several instances and per-service settings.
 */
export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const ports = options.ports ?? testSystemPorts();
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const processes: ManagedProcess[] = [];
  const log = { text: '' };

  const instanceCount = (service: Exclude<ServiceName, 'gateway'>) => {
    const count = options.instances?.[service] ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > MAX_INSTANCES_PER_SERVICE) {
      throw new Error(`instances of ${service} must be 1..${MAX_INSTANCES_PER_SERVICE}, got ${count}.`);
    }
    return count;
  };
  const instances = (service: Exclude<ServiceName, 'gateway'>, grpcPort: number, httpPort: number) =>
    Array.from({ length: instanceCount(service) }, (_, index) => ({
      name: index === 0 ? service : `${service}-${index + 1}`,
      grpcAddress: `127.0.0.1:${grpcPort + index * INSTANCE_PORT_STRIDE}`,
      httpPort: httpPort + index * INSTANCE_PORT_STRIDE,
    }));
  const userServices = instances('user-service', ports.userServiceGrpc, ports.userServiceHttp);
  const orderServices = instances('order-service', ports.orderServiceGrpc, ports.orderServiceHttp);
  const userServiceUrl = userServices.map((instance) => instance.grpcAddress).join(',');
  const orderServiceUrl = orderServices.map((instance) => instance.grpcAddress).join(',');

  const launch = (service: ServiceName, name: string, entry: string, env: Environment, httpPort: number) => {
    const processEnv = {
      ...processEnvironment(),
      SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json'),
      LOG_LEVEL: 'warn',
      ...options.env,
      ...options.serviceEnv?.[service],
      ...env,
    };
    processes.push(new ManagedProcess(service, name, join(WORKSPACE_ROOT, entry), processEnv, httpPort, log, readyTimeoutMs));
  };
  for (const instance of userServices) {
    launch(
      'user-service',
      instance.name,
      'apps/user-service/src/main.ts',
      {
        GRPC_LISTEN_ADDRESS: instance.grpcAddress,
        HTTP_PORT: String(instance.httpPort),
      },
      instance.httpPort,
    );
  }
  for (const instance of orderServices) {
    launch(
      'order-service',
      instance.name,
      'apps/order-service/src/main.ts',
      {
        GRPC_LISTEN_ADDRESS: instance.grpcAddress,
        HTTP_PORT: String(instance.httpPort),
        USER_SERVICE_URL: userServiceUrl,
      },
      instance.httpPort,
    );
  }
  launch(
    'gateway',
    'gateway',
    'apps/gateway/src/main.ts',
    { HTTP_PORT: String(ports.gateway), USER_SERVICE_URL: userServiceUrl, ORDER_SERVICE_URL: orderServiceUrl },
    ports.gateway,
  );

  const stop = async (): Promise<ProcessExit[]> => Promise.all(processes.map((process) => process.terminate()));

  try {
    await Promise.all(processes.map((process) => process.ready));
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- process output ---\n${log.text}`);
  }
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, processes, output: () => log.text, stop };
}

/** A child process of the system, which can be killed and started again. */
class ManagedProcess implements SystemProcess {
  private child!: ChildProcess;
  ready!: Promise<void>;
  readonly httpUrl: string;

  constructor(
    readonly service: ServiceName,
    readonly name: string,
    private readonly entry: string,
    private readonly env: Environment,
    httpPort: number,
    private readonly log: { text: string },
    private readonly readyTimeoutMs: number,
  ) {
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
    this.spawn();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private spawn(): void {
    // The child reads its configuration from the environment, like any deployment.
    this.child = spawn(process.execPath, ['-r', '@swc-node/register', this.entry], {
      cwd: WORKSPACE_ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.log.text += `[${this.name}] ${chunk.toString()}`));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.log.text += `[${this.name}] ${chunk.toString()}`));
    this.ready = waitUntilReady(this.name, this.child, `${this.httpUrl}/health/ready`, this.readyTimeoutMs);
    // A failed start is reported by whoever awaits `ready`; this keeps it from being unhandled meanwhile.
    this.ready.catch(() => undefined);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  async restart(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is still running; kill it first.`);
    this.spawn();
    await this.ready;
  }

  async terminate(): Promise<ProcessExit> {
    if (this.running) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      const forceKill = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(forceKill);
    }
    return { name: this.name, code: this.child.exitCode, signal: this.child.signalCode };
  }
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
