import { createLogger } from '@workshop/observability';
import { CoalescingNotifier } from './coalescing-notifier';

/** A `send` whose rounds stay in flight until the test settles them. */
function controlledSend() {
  const rounds: { channels: readonly string[]; succeed: () => void; fail: (error: Error) => void }[] = [];
  const send = (channels: readonly string[]) =>
    new Promise<void>((resolve, reject) => rounds.push({ channels: [...channels], succeed: resolve, fail: reject }));
  return { send, rounds };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const logger = createLogger('coalescing-notifier-spec', 'silent');

describe('CoalescingNotifier', () => {
  it('sends at once when nothing is in flight', () => {
    const { send, rounds } = controlledSend();
    new CoalescingNotifier(send, logger).notify('outbox_orders');
    expect(rounds.map((round) => round.channels)).toEqual([['outbox_orders']]);
  });

  it('folds every request made while a round is in flight into one more round, sent when it returns', async () => {
    const { send, rounds } = controlledSend();
    const notifier = new CoalescingNotifier(send, logger);
    notifier.notify('outbox_orders');
    for (let commit = 0; commit < 100; commit += 1) notifier.notify(commit % 2 === 0 ? 'outbox_orders' : 'outbox_users');
    expect(rounds).toHaveLength(1);

    rounds[0]?.succeed();
    await settle();
    expect(rounds.map((round) => round.channels)).toEqual([['outbox_orders'], ['outbox_orders', 'outbox_users']]);

    rounds[1]?.succeed();
    await notifier.flush();
    expect(rounds).toHaveLength(2);
  });

  it('logs a failed round and goes on with the requests that came meanwhile', async () => {
    const { send, rounds } = controlledSend();
    const warn = jest.spyOn(logger, 'warn');
    const notifier = new CoalescingNotifier(send, logger);
    notifier.notify('outbox_orders');
    notifier.notify('outbox_users');

    rounds[0]?.fail(new Error('connection terminated'));
    await settle();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ channels: ['outbox_orders'] }), expect.stringContaining('NOTIFY'));
    expect(rounds[1]?.channels).toEqual(['outbox_users']);

    rounds[1]?.succeed();
    await notifier.flush();
    notifier.notify('outbox_orders');
    expect(rounds).toHaveLength(3);
    warn.mockRestore();
  });

  it('flush resolves at once when nothing was asked for', async () => {
    const { send, rounds } = controlledSend();
    await new CoalescingNotifier(send, logger).flush();
    expect(rounds).toEqual([]);
  });
});
