import { eventually } from './eventually';

describe('eventually', () => {
  it('returns the first value the condition accepts', async () => {
    let calls = 0;

    const value = await eventually(
      async () => ++calls,
      (count) => count >= 3,
      { intervalMs: 1 },
    );

    expect(value).toBe(3);
  });

  it('fails with the last value seen when time runs out', async () => {
    await expect(
      eventually(
        async () => 'still old',
        (value) => value === 'new',
        { timeoutMs: 30, intervalMs: 5, description: 'the update' },
      ),
    ).rejects.toThrow(/the update; last value: "still old"/);
  });
});
