import { AsyncLocalStorage } from 'node:async_hooks';

/** One slot's value, in front of the values entered around it. */
interface ContextEntry {
  readonly slot: ContextSlot<unknown>;
  readonly value: unknown;
  readonly outer: ContextEntry | undefined;
}

/**
 * The one AsyncLocalStorage of the process: every slot's value lives in its chain of entries.
 *
 * Why one and not one per slot: on Node 20 an AsyncLocalStorage propagates by copying its store
 * onto every promise and async resource created (a property per storage, set in a promise hook),
 * so the cost of each `await` in every request grows with the number of storages in use. A
 * service used five (correlation id, inbound call, consistency session, trace context, database
 * transaction); one chain costs the same as one slot, and a lookup walks a chain as long as the
 * slots entered around the work, a handful at most.
 */
const requestContext = new AsyncLocalStorage<ContextEntry>();

/**
 * One named value of the request in progress (its correlation id, who the caller is, the
 * consistency token a read must honour), carried by AsyncLocalStorage across awaits so no
 * function has to pass it along. Each slot is independent: entering one never hides another
 * (all of them share one storage, `requestContext`, for speed), and a library adds a slot
 * without touching a shared type.
 */
export class ContextSlot<T> {
  constructor(readonly name: string) {}

  /** The value for the work in progress; undefined outside a request or when the caller sent none. */
  current(): T | undefined {
    for (let entry = requestContext.getStore(); entry !== undefined; entry = entry.outer) {
      if (entry.slot === this) return entry.value as T;
    }
    return undefined;
  }

  /** Runs `work`, and everything it starts, with this slot set to `value`. */
  run<R>(value: T, work: () => R): R {
    return requestContext.run({ slot: this, value, outer: requestContext.getStore() }, work);
  }
}
