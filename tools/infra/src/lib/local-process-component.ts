import type { ComponentName, ComponentStatus, InfrastructureComponent } from './infrastructure-component';
import { type ProcessState, processState, signalProcessGroup } from './processes';

/**
 * A component that runs as one local process group, found through its pid file and told apart
 * from an unrelated process that reused the pid by a marker in its command line. Pausing and
 * resuming work the same for every such server, so they live here once.
 */
export abstract class LocalProcessComponent implements InfrastructureComponent {
  abstract readonly name: ComponentName;
  abstract readonly address: string;

  /** The pid the server wrote, if any. */
  protected abstract get pid(): number | undefined;

  /** Text in the server's command line that proves a pid is still ours. */
  protected abstract get commandMarker(): string;

  protected get state(): ProcessState {
    return processState(this.pid, this.commandMarker);
  }

  abstract status(): Promise<ComponentStatus>;
  abstract start(): Promise<boolean>;
  abstract stop(): Promise<void>;
  abstract deleteData(): void;

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
