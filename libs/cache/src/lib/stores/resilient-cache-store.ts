import { CircuitBreaker, type BreakerState } from '../circuit-breaker';
import { type ObservedGeneration, type RemoteCacheStore } from './remote-cache-store';

export interface ResilienceOptions {
  /** No call takes longer than this, whatever the client library does. */
  commandTimeoutMs: number;
  breakerFailureThreshold: number;
  breakerOpenDurationMs: number;
  onBreakerStateChange?: (state: BreakerState) => void;
}

/** Thrown when a remote command does not answer within the command timeout. */
export class CacheCommandTimeoutError extends Error {
  constructor(kind: string, timeoutMs: number) {
    super(`${kind} did not answer within ${timeoutMs} ms`);
    this.name = 'CacheCommandTimeoutError';
  }
}

/**
 * Wraps a remote store so it can only ever cost a bounded amount of time: every call races a hard
 * timeout (unless the client provably bounds every call itself, as ioredis does), and a
 * circuit breaker skips the store for a while after repeated failures, so during an outage
 * requests stop paying even that timeout.
 */
export class ResilientCacheStore implements RemoteCacheStore {
  readonly kind: string;
  readonly boundsEveryCall = true;
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly store: RemoteCacheStore,
    private readonly options: ResilienceOptions,
  ) {
    this.kind = store.kind;
    this.breaker = new CircuitBreaker(store.kind, {
      failureThreshold: options.breakerFailureThreshold,
      openDurationMs: options.breakerOpenDurationMs,
      onStateChange: options.onBreakerStateChange,
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.currentState;
  }

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return this.guard(() => this.store.getMany(keys));
  }

  setIfGenerationsUnchanged(key: string, value: string, ttlMs: number, generations: readonly ObservedGeneration[]): Promise<boolean> {
    return this.guard(() => this.store.setIfGenerationsUnchanged(key, value, ttlMs, generations));
  }

  invalidate(entryKeys: readonly string[], generationKeys: readonly string[], generationTtlMs: number): Promise<void> {
    return this.guard(() => this.store.invalidate(entryKeys, generationKeys, generationTtlMs));
  }

  acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.guard(() => this.store.acquireLease(key, token, ttlMs));
  }

  releaseLease(key: string, token: string): Promise<void> {
    return this.guard(() => this.store.releaseLease(key, token));
  }

  /** Health probes bypass the breaker: they must tell the truth even while it is open. */
  ping(): Promise<void> {
    return withTimeout(this.store.ping(), this.options.commandTimeoutMs, this.store.kind);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private guard<T>(operation: () => Promise<T>): Promise<T> {
    // A timer per call is measurable on a hit; skip it when the client already bounds every call.
    if (this.store.boundsEveryCall) return this.breaker.run(operation);
    return this.breaker.run(() => withTimeout(operation(), this.options.commandTimeoutMs, this.store.kind));
  }
}

function withTimeout<T>(operation: Promise<T>, timeoutMs: number, kind: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CacheCommandTimeoutError(kind, timeoutMs)), timeoutMs);
  });
  // A command that answers after its timeout has nobody left to tell.
  operation.catch(() => undefined);
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}
