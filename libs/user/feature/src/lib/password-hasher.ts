import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost parameters. scrypt is memory-hard: each guess costs 128 * N * r bytes of memory
 * (32 MiB here) as well as time, which is what makes GPU and ASIC cracking expensive. N = 2^15,
 * r = 8, p = 1 is OWASP's recommended minimum; a hash takes tens of milliseconds on a server core.
 */
export interface ScryptParameters {
  /** log2 of N, the CPU/memory cost. */
  logCost: number;
  blockSize: number;
  parallelization: number;
}

export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = { logCost: 15, blockSize: 8, parallelization: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Largest cost a stored hash may ask for (2^20, 1 GiB with r = 8): a corrupt row must not exhaust memory. */
const MAX_LOG_COST = 20;
const HASH_FORMAT = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/**
 * Password hashing with scrypt from node:crypto. Each hash has its own random salt and carries
 * its parameters (`scrypt$ln=15,r=8,p=1$<salt>$<key>`), so the cost can be raised later without
 * invalidating existing hashes. Hashing runs on libuv's thread pool, not the event loop.
 */
export class PasswordHasher {
  private dummyHash?: Promise<string>;

  constructor(private readonly parameters: ScryptParameters = DEFAULT_SCRYPT_PARAMETERS) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await deriveKey(password, salt, this.parameters);
    const { logCost, blockSize, parallelization } = this.parameters;
    return `scrypt$ln=${logCost},r=${blockSize},p=${parallelization}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /**
   * Whether `password` matches `storedHash`, compared in constant time. With no stored hash (an
   * unknown email) it still does the full work against a dummy hash, so the response time does
   * not tell an attacker which emails have accounts.
   */
  async verify(password: string, storedHash: string | undefined): Promise<boolean> {
    const parsed = parseHash(storedHash ?? (await this.hashOfNothing()));
    if (parsed === undefined) return false;
    const key = await deriveKey(password, parsed.salt, parsed.parameters);
    return storedHash !== undefined && key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  private hashOfNothing(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(SALT_BYTES).toString('base64'));
    return this.dummyHash;
  }
}

function deriveKey(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const cost = 2 ** parameters.logCost;
  const options: ScryptOptions = {
    N: cost,
    r: parameters.blockSize,
    p: parameters.parallelization,
    // Node's default ceiling is 32 MiB, exactly what N = 2^15, r = 8 needs; leave headroom.
    maxmem: 256 * cost * parameters.blockSize,
  };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function parseHash(stored: string): { parameters: ScryptParameters; salt: Buffer; key: Buffer } | undefined {
  const match = HASH_FORMAT.exec(stored);
  if (match === null) return undefined;
  const [, logCost, blockSize, parallelization, salt, key] = match;
  const parameters = { logCost: Number(logCost), blockSize: Number(blockSize), parallelization: Number(parallelization) };
  if (parameters.logCost < 1 || parameters.logCost > MAX_LOG_COST || parameters.blockSize < 1 || parameters.parallelization < 1) {
    return undefined;
  }
  return { parameters, salt: Buffer.from(salt ?? '', 'base64'), key: Buffer.from(key ?? '', 'base64') };
}
