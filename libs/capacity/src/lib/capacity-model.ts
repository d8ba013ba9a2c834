import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { defer, finalize, from, mergeMap, type Observable } from 'rxjs';

/**
 * The opt-in capacity model: each instance serves at most `maxConcurrency` gRPC calls at once,
 * and each call occupies its slot for at least `serviceTimeMs` before its handler runs.
 *
 * Why: on a 2-core laptop every instance of a service shares the same two cores with the
 * gateway, the database and the load generator, so adding an instance adds no capacity and a
 * scale-out test shows nothing. With the model on, one instance serves at most
 * maxConcurrency / serviceTimeMs calls per second, like a small server would, and N instances
 * serve N times that: horizontal scaling becomes visible. Figures measured with it describe the
 * model, and reports say so. Off (both variables unset) in every normal run.
 */
export interface CapacityModel {
  /** Calls served at once; further calls wait in FIFO order. */
  maxConcurrency: number;
  /** Minimum time a call holds its slot, in milliseconds (0: only the concurrency limit). */
  serviceTimeMs: number;
}

/** The model from a service's validated configuration; undefined (off) when neither variable is set. */
export function capacityModelFrom(config: {
  CAPACITY_MAX_CONCURRENCY?: number;
  CAPACITY_SERVICE_TIME_MS?: number;
}): CapacityModel | undefined {
  if (config.CAPACITY_MAX_CONCURRENCY === undefined && config.CAPACITY_SERVICE_TIME_MS === undefined) return undefined;
  return {
    maxConcurrency: config.CAPACITY_MAX_CONCURRENCY ?? Number.POSITIVE_INFINITY,
    serviceTimeMs: config.CAPACITY_SERVICE_TIME_MS ?? 0,
  };
}

/** A counting semaphore with a FIFO queue: the first caller to wait is the first served. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`A concurrency limit must be at least 1, got ${limit}.`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.active < this.limit) {
      this.active += 1;
    } else {
      // The releasing caller hands its slot straight to this one, so `active` stays the same.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}

/**
 * Applies the capacity model to every gRPC call of the process (HTTP health and metrics are left
 * alone, so an overloaded instance still answers its probes and its scrapes).
 */
export class CapacityModelInterceptor implements NestInterceptor {
  private readonly limiter: ConcurrencyLimiter;

  constructor(private readonly model: CapacityModel) {
    this.limiter = new ConcurrencyLimiter(model.maxConcurrency);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    // finalize runs on completion, error and cancellation alike: a slot is never leaked.
    return defer(() => from(this.occupySlot())).pipe(mergeMap((release) => next.handle().pipe(finalize(release))));
  }

  /** Waits for a slot, then holds it for the service time before the handler runs. */
  private async occupySlot(): Promise<() => void> {
    const release = await this.limiter.acquire();
    if (this.model.serviceTimeMs > 0) await new Promise((resolve) => setTimeout(resolve, this.model.serviceTimeMs));
    return release;
  }
}
