import { readFileSync } from 'node:fs';

/** Names of the pieces of the local infrastructure, as used by the CLI and fault-injection tests. */
export type ComponentName = 'kafka' | 'postgres-primary' | `postgres-replica-${number}` | 'redis' | 'memcached';

/** `external`: the environment points at a server someone else runs; we neither start nor stop it. */
export type ComponentState = 'running' | 'paused' | 'stopped' | 'external';

export interface ComponentStatus {
  name: ComponentName;
  state: ComponentState;
  /** Where clients connect, e.g. `127.0.0.1:19092`. */
  address: string;
  pid?: number;
  /** Extra facts an operator wants at a glance, e.g. a replica's streaming state. */
  detail?: string;
}

/**
 * One server of the local infrastructure. Implementations own their data directory, pid file and
 * log, and every method is idempotent: starting a running component or stopping a stopped one does
 * nothing.
 */
export interface InfrastructureComponent {
  readonly name: ComponentName;
  /** Where clients connect, e.g. `127.0.0.1:19092`. */
  readonly address: string;
  status(): Promise<ComponentStatus>;
  /** Starts it unless it runs, and resolves once it serves clients. Returns whether it was started. */
  start(): Promise<boolean>;
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT on the whole process group: the server hangs without closing connections. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Deletes its data (the component must be stopped). */
  deleteData(): void;
}

/** Thrown when a component does not come up; the message names the log to read. */
export class ComponentStartError extends Error {
  constructor(
    readonly component: ComponentName,
    reason: string,
    readonly logFile: string,
    options?: ErrorOptions,
  ) {
    super(`${component} did not start: ${reason}\nSee ${logFile}${tailOf(logFile)}`, options);
    this.name = 'ComponentStartError';
  }
}

function tailOf(logFile: string, lines = 15): string {
  try {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines);
    return tail.length > 0 ? `; its last lines:\n${tail.map((line) => `  | ${line}`).join('\n')}` : '';
  } catch {
    return '';
  }
}
