import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parsePid,
  processState,
  processStatusLetter,
  readPidFile,
  signalProcessGroup,
  terminateProcessGroup,
  waitUntil,
  writePidFile,
} from './processes';

describe('pid files', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'infra-pids-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('round-trips a pid', () => {
    const file = join(directory, 'server.pid');
    writePidFile(file, 4242);
    expect(readPidFile(file)).toBe(4242);
  });

  it('reads the first line, as PostgreSQL writes postmaster.pid', () => {
    const file = join(directory, 'postmaster.pid');
    writeFileSync(file, '13842\n/work/main/.infra/postgres/primary\n1795522497\n15432\n');
    expect(readPidFile(file)).toBe(13842);
  });

  it('treats a missing, empty or garbled file as no pid', () => {
    expect(readPidFile(join(directory, 'missing.pid'))).toBeUndefined();
    writeFileSync(join(directory, 'empty.pid'), '');
    expect(readPidFile(join(directory, 'empty.pid'))).toBeUndefined();
    writeFileSync(join(directory, 'garbled.pid'), 'not a pid\n');
    expect(readPidFile(join(directory, 'garbled.pid'))).toBeUndefined();
  });

  it('never takes 0 or 1 for a pid: signalling them would hit a whole group or init', () => {
    expect(parsePid('0')).toBeUndefined();
    expect(parsePid('1')).toBeUndefined();
    expect(parsePid('-5')).toBeUndefined();
    expect(parsePid(' 77 ')).toBe(77);
  });
});

describe('processStatusLetter', () => {
  it('reads the state after the command name, even when the name holds spaces and parentheses', () => {
    expect(processStatusLetter('123 (java) S 1 123 123 0')).toBe('S');
    expect(processStatusLetter('123 (we (ird) name) T 1 123')).toBe('T');
    expect(processStatusLetter('123 (zombie) Z 1')).toBe('Z');
  });
});

describe('processState', () => {
  it('recognises this process by a string in its command line, and not by another', () => {
    expect(processState(process.pid, 'node')).toBe('running');
    expect(processState(process.pid, 'a-marker-this-process-does-not-have')).toBe('stopped');
    expect(processState(undefined, 'node')).toBe('stopped');
  });

  it('follows a detached process group through pause, resume and termination', async () => {
    const marker = 'infra-processes-spec-sleeper';
    // `exec -a` names the process, so the marker is in its command line.
    const child = spawn('bash', ['-c', `exec -a ${marker} sleep 60`], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      expect(await waitUntil(() => processState(pid, marker) === 'running', { timeoutMs: 5_000 })).toBe(true);
      signalProcessGroup(pid, 'SIGSTOP');
      expect(await waitUntil(() => processState(pid, marker) === 'paused', { timeoutMs: 5_000 })).toBe(true);
      signalProcessGroup(pid, 'SIGCONT');
      expect(await waitUntil(() => processState(pid, marker) === 'running', { timeoutMs: 5_000 })).toBe(true);
      signalProcessGroup(pid, 'SIGSTOP');
      // Stopping a paused process must still work: it cannot act on SIGTERM while stopped.
      await terminateProcessGroup(pid, marker, { timeoutMs: 5_000 });
      await exited;
      expect(processState(pid, marker)).toBe('stopped');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

describe('waitUntil', () => {
  it('returns false once the timeout passes', async () => {
    const startedAt = Date.now();
    expect(await waitUntil(() => false, { timeoutMs: 100, intervalMs: 20 })).toBe(false);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(100);
  });

  it('returns true as soon as the condition holds', async () => {
    let calls = 0;
    expect(await waitUntil(() => ++calls === 3, { timeoutMs: 5_000, intervalMs: 10 })).toBe(true);
    expect(calls).toBe(3);
  });
});
