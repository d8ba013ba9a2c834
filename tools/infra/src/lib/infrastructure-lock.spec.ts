import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withInfrastructureLock } from './infrastructure-lock';
import { sleep } from './processes';

describe('withInfrastructureLock', () => {
  let lockFile: string;
  beforeEach(() => {
    lockFile = join(mkdtempSync(join(tmpdir(), 'infra-lock-')), 'infra.lock');
  });
  afterEach(() => rmSync(join(lockFile, '..'), { recursive: true, force: true }));

  it('runs overlapping actions one after the other and releases the lock', async () => {
    const events: string[] = [];
    const action = (name: string) => async () => {
      events.push(`${name} start`);
      await sleep(30);
      events.push(`${name} end`);
      return name;
    };
    await expect(
      Promise.all([withInfrastructureLock(lockFile, action('a')), withInfrastructureLock(lockFile, action('b'))]),
    ).resolves.toEqual(['a', 'b']);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('releases the lock when the action fails, and later actions still run', async () => {
    await expect(withInfrastructureLock(lockFile, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withInfrastructureLock(lockFile, async () => 'next')).resolves.toBe('next');
  });

  it('takes over a lock whose owner has exited', async () => {
    // Pid 2**22 + 1 is above Linux's pid_max limit, so no process can have it.
    writeFileSync(lockFile, `${2 ** 22 + 1}\n`);
    await expect(withInfrastructureLock(lockFile, async () => 'taken over')).resolves.toBe('taken over');
  });
});
