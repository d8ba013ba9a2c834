import { currentCorrelationId, runWithCorrelationId } from './correlation';

describe('correlation ids', () => {
  it('keeps the received id across awaits', async () => {
    const seen = await runWithCorrelationId('req-42', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentCorrelationId();
    });

    expect(seen).toBe('req-42');
  });

  it('replaces a missing or unsafe id with a fresh one', () => {
    const fromMissing = runWithCorrelationId(undefined, currentCorrelationId);
    const fromUnsafe = runWithCorrelationId('evil\n{"level":"fatal"}', currentCorrelationId);

    expect(fromMissing).toMatch(/^[0-9a-f-]{36}$/);
    expect(fromUnsafe).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('has no id outside a request', () => {
    expect(currentCorrelationId()).toBeUndefined();
  });
});
