import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { readPidFile, processState, sleep } from './processes';

const LOCK_WAIT_TIMEOUT_MS = 10 * 60_000;
const LOCK_POLL_INTERVAL_MS = 250;
const UNWRITTEN_LOCK_GRACE_MS = 5_000;

let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs `action` while holding the infrastructure lock, so two processes (Nx runs test targets in
 * parallel, each with a Jest global setup calling `up`) never initialise the same data directory
 * at once. The second caller waits and then finds everything already running.
 *
 * The lock is a file holding the owner's pid; a lock whose owner died is taken over. Calls within
 * one process are queued in memory, since the file lock cannot tell them apart.
 */
export function withInfrastructureLock<Result>(lockFile: string, action: () => Promise<Result>): Promise<Result> {
  const run = inProcessQueue.then(async () => {
    await acquireFileLock(lockFile);
    try {
      return await action();
    } finally {
      rmSync(lockFile, { force: true });
    }
  });
  // The queue continues whether or not this action failed; the caller sees the failure through `run`.
  inProcessQueue = run.catch(() => undefined);
  return run;
}

async function acquireFileLock(lockFile: string): Promise<void> {
  mkdirSync(dirname(lockFile), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_TIMEOUT_MS;
  for (;;) {
    try {
      const descriptor = openSync(lockFile, 'wx');
      writeSync(descriptor, `${process.pid}\n`);
      closeSync(descriptor);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readPidFile(lockFile);
    // 'node' is in the command line of every process that takes this lock. A lock without a pid
    // is either being written right now or was left half-written by a crash: give it a moment.
    const ownerIsGone = owner === undefined ? lockAgeMs(lockFile) > UNWRITTEN_LOCK_GRACE_MS : processState(owner, 'node') === 'stopped';
    if (ownerIsGone) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out waiting for process ${owner} to release ${lockFile}.`);
    }
    await sleep(LOCK_POLL_INTERVAL_MS);
  }
}

function lockAgeMs(lockFile: string): number {
  try {
    return Date.now() - statSync(lockFile).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Whether another process is in the middle of `up`, `down` or `reset`. */
export function isInfrastructureLockHeld(lockFile: string): boolean {
  const owner = readPidFile(lockFile);
  if (owner === undefined) return lockAgeMs(lockFile) <= UNWRITTEN_LOCK_GRACE_MS;
  return processState(owner, 'node') !== 'stopped';
}
