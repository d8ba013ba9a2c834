/**
 * Polls `probe` until it returns a value `accept` likes, for at most `timeoutMs`. For asserting
 * on asynchronous effects (an event consumed, a replica caught up) without fixed sleeps.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; description?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
  throw new Error(`Timed out waiting for ${options.description ?? 'condition'}; last value: ${JSON.stringify(last)}`);
}
