import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One named value of the request in progress (its correlation id, who the caller is, the
 * consistency token a read must honour), carried by AsyncLocalStorage across awaits so no
 * function has to pass it along. Each slot has a storage of its own: entering one never hides
 * another, and a library adds a slot without touching a shared type.
 */
export class ContextSlot<T> {
  private readonly storage = new AsyncLocalStorage<T>();

  constructor(readonly name: string) {}

  /** The value for the work in progress; undefined outside a request or when the caller sent none. */
  current(): T | undefined {
    return this.storage.getStore();
  }

  /** Runs `work`, and everything it starts, with this slot set to `value`. */
  run<R>(value: T, work: () => R): R {
    return this.storage.run(value, work);
  }
}
