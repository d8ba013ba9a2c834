import { mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { ComponentStartError } from './infrastructure-component';
import type { InfrastructurePaths } from './infrastructure-paths';
import { type ListenAddress, LocalProcessComponent } from './local-process-component';
import { isRoot, readPidFile, removePidFile, spawnDetached, terminateProcessGroup, waitUntil, writePidFile } from './processes';

const READY_TIMEOUT_MS = 15_000;
const MEMORY_LIMIT_MB = 64;

/**
 * The arguments of our memcached: loopback only, TCP only (no UDP), a small memory limit. It runs
 * in the foreground under our own process group (spawnDetached), so pausing and stopping work
 * as for the other servers. memcached refuses to run as root unless told which user to be.
 */
export function memcachedArguments(host: string, port: number, runningAsRoot: boolean): string[] {
  return ['-l', host, '-p', String(port), '-U', '0', '-m', String(MEMORY_LIMIT_MB), ...(runningAsRoot ? ['-u', 'root'] : [])];
}

/** A single memcached, the alternative remote tier of libs/cache, on its own port. */
export class MemcachedServer extends LocalProcessComponent {
  readonly name = 'memcached' as const;
  readonly address: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly paths: InfrastructurePaths['memcached'],
  ) {
    super();
    this.address = `${host}:${port}`;
  }

  /** Its command line names the port it listens on. */
  protected get commandMarker(): string {
    return `-p ${this.port}`;
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
    const pid = spawnDetached('memcached', memcachedArguments(this.host, this.port, isRoot()), {
      consoleLog: this.paths.log,
      cwd: this.paths.directory,
    });
    writePidFile(this.paths.pidFile, pid);
  }

  protected async ensureReady(): Promise<void> {
    const ready = await waitUntil(() => memcachedAnswersVersion(this.host, this.port), { timeoutMs: READY_TIMEOUT_MS });
    if (!ready) {
      throw new ComponentStartError(
        this.name,
        `no answer to "version" on ${this.address} within ${READY_TIMEOUT_MS / 1000}s`,
        this.paths.log,
      );
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

/** How long one probe may take: a paused server accepts the connection but never answers. */
const PROBE_TIMEOUT_MS = 2_000;

/** One `version` command over the text protocol; true when memcached answers it. */
export function memcachedAnswersVersion(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const finish = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('version\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) finish(answer.startsWith('VERSION '));
    });
  });
}
