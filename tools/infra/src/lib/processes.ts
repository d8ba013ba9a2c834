import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** How a process we started looks from the outside. `paused` is SIGSTOP, used by fault-injection tests. */
export type ProcessState = 'running' | 'paused' | 'stopped';

/** The pid in a pid file, or undefined when the file is missing, empty or not a pid. */
export function readPidFile(pidFile: string): number | undefined {
  let content: string;
  try {
    content = readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  return parsePid(content.split('\n')[0] ?? '');
}

/** Parses a pid as written by Redis, Postgres (first line of postmaster.pid) or us. */
export function parsePid(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const pid = Number(trimmed);
  return pid > 1 && Number.isSafeInteger(pid) ? pid : undefined;
}

export function writePidFile(pidFile: string, pid: number): void {
  writeFileSync(pidFile, `${pid}\n`);
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

/**
 * The state of `pid`, provided it is still the process we started: pids are reused, so a pid file
 * left behind by a crash may now name an unrelated process. `commandMarker` is a string that our
 * process's command line contains (e.g. the path of its config file).
 */
export function processState(pid: number | undefined, commandMarker: string): ProcessState {
  if (pid === undefined || !isProcessAlive(pid)) return 'stopped';
  const status = readProcFile(pid, 'stat');
  const commandLine = readProcFile(pid, 'cmdline');
  // Without /proc (not Linux) we cannot tell more than "a process with this pid exists".
  if (status === undefined || commandLine === undefined) return 'running';
  if (!commandLine.replaceAll('\0', ' ').includes(commandMarker)) return 'stopped';
  return processStatusLetter(status) === 'T' ? 'paused' : 'running';
}

/** The one-letter state in /proc/<pid>/stat: R, S, D, Z (zombie), T (stopped by a signal), ... */
export function processStatusLetter(stat: string): string | undefined {
  // The command name (second field) is in parentheses and may itself contain spaces or ')'.
  const afterName = stat.slice(stat.lastIndexOf(')') + 1).trim();
  return afterName.split(' ')[0] || undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (a non-root developer looking at a root server).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie has exited; only its exit status is left for the parent to collect.
  const stat = readProcFile(pid, 'stat');
  return stat === undefined || processStatusLetter(stat) !== 'Z';
}

function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Signals the process group led by `pid`. Every server here runs as the leader of its own group
 * (we start Kafka detached; pg_ctl and Redis's daemonize call setsid), so the group is the server
 * and all its children: pausing only Postgres's postmaster would leave its backends answering.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    // Not a group leader after all: signal the process alone.
    process.kill(pid, signal);
  }
}

/** Polls `condition` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs, intervalMs = 200 }: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Stops a process group: SIGTERM for a clean shutdown, SIGCONT in case a test left it paused (a
 * stopped process does not act on SIGTERM until it runs again), then SIGKILL if it does not exit
 * within `timeoutMs`.
 */
export async function terminateProcessGroup(pid: number, commandMarker: string, { timeoutMs }: { timeoutMs: number }): Promise<void> {
  if (processState(pid, commandMarker) === 'stopped') return;
  signalProcessGroup(pid, 'SIGTERM');
  signalProcessGroup(pid, 'SIGCONT');
  if (await waitUntil(() => processState(pid, commandMarker) === 'stopped', { timeoutMs })) return;
  signalProcessGroup(pid, 'SIGKILL');
  await waitUntil(() => processState(pid, commandMarker) === 'stopped', { timeoutMs: 5_000 });
}

/** Thrown when a command we run exits non-zero; carries what it printed, which is usually the reason. */
export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(`${command} failed${output ? `:\n${output}` : ''}`, options);
    this.name = 'CommandFailedError';
  }
}

export interface RunCommandOptions {
  cwd?: string;
  /** Run as this OS user (through runuser) when we are root; ignored otherwise. */
  asUser?: string;
  timeoutMs?: number;
}

/** Runs a command to completion and returns its stdout; rejects with CommandFailedError. */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}): Promise<string> {
  const [file, fileArgs] = asOsUser(command, args, options.asUser);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      fileArgs,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}${stderr}`.trim() || error.message;
          reject(new CommandFailedError([command, ...args].join(' '), output, { cause: error }));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Prefixes `runuser -u <user> --` when running as root: PostgreSQL refuses to run as root. */
export function asOsUser(command: string, args: readonly string[], user: string | undefined): [string, string[]] {
  if (user === undefined || !isRoot()) return [command, [...args]];
  return ['runuser', ['-u', user, '--', command, ...args]];
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Starts a long-running process in its own session (so it survives the CLI and Jest, and is the
 * leader of a process group we can pause or stop as a whole), with stdout and stderr appended to
 * `consoleLog`. Returns its pid.
 */
export function spawnDetached(command: string, args: readonly string[], { consoleLog, cwd }: { consoleLog: string; cwd: string }): number {
  const output = openSync(consoleLog, 'a');
  try {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', output, output] });
    // A command that cannot be executed is reported through `pid` below; without a listener the
    // 'error' event would crash the process instead.
    child.once('error', () => undefined);
    if (child.pid === undefined) throw new Error(`Could not start ${command}: is it installed and on the PATH?`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(output);
  }
}
