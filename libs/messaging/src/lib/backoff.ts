import { setTimeout as delay } from 'node:timers/promises';

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** No delay grows past this, however many attempts have failed. */
  maxDelayMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": the delay doubles with each failed attempt up
 * to the cap, and the upper half of it is randomised. The fixed half keeps a struggling
 * dependency from being hammered; the random half keeps several instances that failed together
 * (relays, consumers) from retrying in lockstep.
 *
 * @param attempt 1 for the first retry, 2 for the second, and so on.
 * @param random a source of numbers in [0, 1); injectable so tests are deterministic.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Math.min before the multiplication would still overflow 2 ** exponent for a huge attempt
  // count, so clamp the exponent instead: 2 ** 30 times any sane initial delay exceeds the cap.
  const uncapped = policy.initialDelayMs * 2 ** Math.min(exponent, 30);
  const ceiling = Math.min(policy.maxDelayMs, uncapped);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

/**
 * Waits `ms`, or less if `signal` aborts first. It never rejects: a wait cut short by shutdown is
 * not an error, the caller just checks whether it should carry on.
 */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
