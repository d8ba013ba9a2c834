import { type ObservedGeneration, type RemoteCacheStore } from '../lib/stores/remote-cache-store';

/**
 * A remote store in a Map, for unit tests: it passes the same contract suite as Redis and
 * Memcached, takes its clock from the test, and can be told to fail or to hang.
 */
export class InMemoryRemoteStore implements RemoteCacheStore {
  readonly kind = 'in-memory';
  readonly boundsEveryCall = false;
  readonly values = new Map<string, { value: string; expiresAt: number }>();
  /** When set, every call rejects with it. */
  failure: Error | undefined;
  /** When true, every call hangs until `hanging` is false again... or forever. */
  hanging = false;
  calls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    await this.enter();
    return keys.map((key) => this.read(key));
  }

  async setIfGenerationsUnchanged(key: string, value: string, ttlMs: number, generations: readonly ObservedGeneration[]): Promise<boolean> {
    await this.enter();
    if (!generations.every((generation) => this.read(generation.key) === generation.observed)) return false;
    this.values.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  async invalidate(entryKeys: readonly string[], generationKeys: readonly string[], generationTtlMs: number): Promise<void> {
    await this.enter();
    for (const key of generationKeys) {
      this.values.set(key, { value: String(Number(this.read(key) ?? '0') + 1), expiresAt: this.now() + generationTtlMs });
    }
    for (const key of entryKeys) this.values.delete(key);
  }

  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    await this.enter();
    if (this.read(key) !== null) return false;
    this.values.set(key, { value: token, expiresAt: this.now() + ttlMs });
    return true;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    await this.enter();
    if (this.read(key) === token) this.values.delete(key);
  }

  async ping(): Promise<void> {
    await this.enter();
  }

  async close(): Promise<void> {
    this.values.clear();
  }

  private read(key: string): string | null {
    const stored = this.values.get(key);
    if (stored === undefined || stored.expiresAt <= this.now()) return null;
    return stored.value;
  }

  private async enter(): Promise<void> {
    this.calls += 1;
    if (this.failure) throw this.failure;
    if (this.hanging) await new Promise(() => undefined);
  }
}
