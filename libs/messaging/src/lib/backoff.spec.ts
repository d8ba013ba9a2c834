import { backoffDelayMs, sleepUnlessAborted } from './backoff';

const policy = { initialDelayMs: 100, maxDelayMs: 1_000 };
const lowest = () => 0;
const highest = () => 0.999_999;

describe('backoffDelayMs', () => {
  it('doubles the delay with each failed attempt', () => {
    const ceilings = [1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, policy, highest));
    expect(ceilings).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap, however many attempts failed', () => {
    expect(backoffDelayMs(5, policy, highest)).toBe(1_000);
    expect(backoffDelayMs(10_000, policy, highest)).toBe(1_000);
  });

  it('randomises only the upper half, so a retry is never immediate', () => {
    expect(backoffDelayMs(3, policy, lowest)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelayMs(3, policy, highest)).toBe(400);
  });

  it('treats attempt 0 or less like the first retry', () => {
    expect(backoffDelayMs(0, policy, highest)).toBe(100);
    expect(backoffDelayMs(-3, policy, highest)).toBe(100);
  });
});

describe('sleepUnlessAborted', () => {
  it('returns early, without an error, when the signal aborts', async () => {
    const controller = new AbortController();
    const startedAt = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleepUnlessAborted(10_000, controller.signal);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('returns at once when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const startedAt = Date.now();
    await sleepUnlessAborted(10_000, controller.signal);
    expect(Date.now() - startedAt).toBeLessThan(100);
  });
});
