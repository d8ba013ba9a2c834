import { ContextSlot } from './request-context';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ContextSlot', () => {
  const correlation = new ContextSlot<string>('correlation');
  const caller = new ContextSlot<string>('caller');

  it('keeps its value across awaits, and only inside run', async () => {
    expect(correlation.current()).toBeUndefined();
    await correlation.run('c-1', async () => {
      await tick();
      expect(correlation.current()).toBe('c-1');
    });
    expect(correlation.current()).toBeUndefined();
  });

  it('never hides another slot: each reads its own innermost value', async () => {
    await correlation.run('c-1', () =>
      caller.run('ada', async () => {
        expect([correlation.current(), caller.current()]).toEqual(['c-1', 'ada']);
        await correlation.run('c-2', async () => {
          await tick();
          expect([correlation.current(), caller.current()]).toEqual(['c-2', 'ada']);
        });
        expect([correlation.current(), caller.current()]).toEqual(['c-1', 'ada']);
      }),
    );
  });

  it('keeps concurrent requests apart', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        correlation.run(id, async () => {
          await tick();
          return caller.run(`${id}-caller`, async () => {
            await tick();
            return `${correlation.current()}/${caller.current()}`;
          });
        }),
      ),
    );
    expect(seen).toEqual(['a/a-caller', 'b/b-caller', 'c/c-caller']);
  });
});
