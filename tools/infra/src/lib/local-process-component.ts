import { ComponentStartError, type ComponentName, type ComponentStatus, type InfrastructureComponent } from './infrastructure-component';
import { type ProcessState, processState, signalProcessGroup } from './processes';
import { isPortAcceptingConnections } from './tcp-port';

/** An address a server listens on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * A component that runs as one local process group, found through its pid file and told apart
 * from an unrelated process that reused the pid by a marker in its command line. What every such
 * server does alike lives here once: status, the start sequence (resume a paused server, refuse a
 * port another program holds, launch, wait until ready), pausing and resuming. Subclasses say how
 * their server is launched and how to tell it is ready.
 */
export abstract class LocalProcessComponent implements InfrastructureComponent {
  abstract readonly name: ComponentName;
  abstract readonly address: string;

  /** The pid the server wrote, if any. */
  protected abstract get pid(): number | undefined;

  /** Text in the server's command line that proves a pid is still ours. */
  protected abstract get commandMarker(): string;

  /** Every address the server listens on: each must be free before it is launched. */
  protected abstract get listenAddresses(): readonly ListenAddress[];

  /** The log a start-up error points the reader to. */
  protected abstract get startLog(): string;

  /** Launches the server; called only when it is stopped and its ports are free. */
  protected abstract launch(): Promise<void>;

  /**
   * Resolves once the server serves its clients, setting up what they need if it must; throws a
   * ComponentStartError otherwise. Runs on every start, also when the server was already running.
   */
  protected abstract ensureReady(): Promise<void>;

  abstract stop(): Promise<void>;
  abstract deleteData(): void;

  /** Extra facts for `status` in the given state, if the server has any. */
  protected async describe(_state: ProcessState): Promise<string | undefined> {
    return undefined;
  }

  protected get state(): ProcessState {
    return processState(this.pid, this.commandMarker);
  }

  async status(): Promise<ComponentStatus> {
    const state = this.state;
    const detail = await this.describe(state);
    return {
      name: this.name,
      state,
      address: this.address,
      ...(state === 'stopped' ? {} : { pid: this.pid }),
      ...(detail === undefined ? {} : { detail }),
    };
  }

  async start(): Promise<boolean> {
    const state = this.state;
    if (state === 'paused') await this.resume();
    if (state !== 'stopped') {
      await this.ensureReady();
      return false;
    }
    for (const { host, port } of this.listenAddresses) {
      if (await isPortAcceptingConnections(host, port)) {
        throw new ComponentStartError(this.name, `port ${port} is already in use by another program`, this.startLog);
      }
    }
    await this.launch();
    await this.ensureReady();
    return true;
  }

  async pause(): Promise<void> {
    signalProcessGroup(this.runningPid('pause'), 'SIGSTOP');
  }

  async resume(): Promise<void> {
    signalProcessGroup(this.runningPid('resume'), 'SIGCONT');
  }

  private runningPid(action: string): number {
    const pid = this.pid;
    if (pid === undefined || this.state === 'stopped') throw new Error(`Cannot ${action} ${this.name}: it is not running.`);
    return pid;
  }
}
