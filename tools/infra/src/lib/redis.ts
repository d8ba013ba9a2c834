import { mkdirSync, rmSync } from 'node:fs';
import Redis from 'ioredis';
import { ComponentStartError } from './infrastructure-component';
import type { InfrastructurePaths } from './infrastructure-paths';
import { type ListenAddress, LocalProcessComponent } from './local-process-component';
import { readPidFile, removePidFile, runCommand, terminateProcessGroup, waitUntil } from './processes';

const READY_TIMEOUT_MS = 15_000;

/**
 * The arguments of our redis-server: a pure cache, so nothing is persisted (no RDB snapshots, no
 * append-only file) and a restart starts empty, which is exactly what cache-outage tests expect.
 */
export function redisServerArguments(host: string, port: number, paths: InfrastructurePaths['redis']): string[] {
  return [
    '--bind',
    host,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    paths.pidFile,
    '--logfile',
    paths.log,
    '--dir',
    paths.directory,
  ];
}

/** A single redis-server, daemonized, on its own port. */
export class RedisServer extends LocalProcessComponent {
  readonly name = 'redis' as const;
  readonly address: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly paths: InfrastructurePaths['redis'],
  ) {
    super();
    this.address = `${host}:${port}`;
  }

  /** Redis rewrites its process title to `redis-server host:port`. */
  protected get commandMarker(): string {
    return this.address;
  }

  protected get pid(): number | undefined {
    return readPidFile(this.paths.pidFile);
  }

  protected get listenAddresses(): readonly ListenAddress[] {
    return [{ host: this.host, port: this.port }];
  }

  protected get startLog(): string {
    return this.paths.log;
  }

  protected async launch(): Promise<void> {
    mkdirSync(this.paths.directory, { recursive: true });
    removePidFile(this.paths.pidFile);
    // --daemonize: redis-server forks, writes its pid file and the command returns.
    await runCommand('redis-server', redisServerArguments(this.host, this.port, this.paths));
  }

  protected async ensureReady(): Promise<void> {
    const ready = await waitUntil(() => pingRedis(this.host, this.port), { timeoutMs: READY_TIMEOUT_MS });
    if (!ready) {
      throw new ComponentStartError(this.name, `no PONG on ${this.address} within ${READY_TIMEOUT_MS / 1000}s`, this.paths.log);
    }
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid !== undefined) await terminateProcessGroup(pid, this.commandMarker, { timeoutMs: 10_000 });
    removePidFile(this.paths.pidFile);
  }

  deleteData(): void {
    // Nothing is persisted; the directory holds only the log and the pid file.
    rmSync(this.paths.directory, { recursive: true, force: true });
  }
}

/** How long one PING may take: a paused (SIGSTOPped) server accepts the connection but never answers. */
const PING_TIMEOUT_MS = 2_000;

/** One PING with no retries: the caller decides how long to keep trying. */
export async function pingRedis(host: string, port: number): Promise<boolean> {
  const client = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: PING_TIMEOUT_MS,
    commandTimeout: PING_TIMEOUT_MS,
    // The ready check is an INFO command that commandTimeout does not cover; our PING is the check.
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Connection failures are the expected answer while the server starts; the result says so.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
