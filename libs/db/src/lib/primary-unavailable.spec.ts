import { DomainError } from '@workshop/errors';
import { createLogger } from '@workshop/observability';
import { DatabaseRouter } from './database-router';

/** Nothing listens on port 1: every connection attempt is refused at once. */
const UNREACHABLE_PRIMARY = 'postgres://workshop:workshop@127.0.0.1:1/workshop';

describe('DatabaseRouter with its primary unreachable', () => {
  const db = new DatabaseRouter(
    { primaryUrl: UNREACHABLE_PRIMARY, replicaUrls: [], applicationName: 'primary-unavailable-spec', connectionTimeoutMs: 500 },
    createLogger('db-spec', 'silent'),
  );

  afterAll(() => db.close());

  const expectUnavailable = async (attempt: Promise<unknown>) => {
    const error: unknown = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    // The original failure stays attached for the log.
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  };

  it('fails a write with UNAVAILABLE, not an unexpected error', () => expectUnavailable(db.query('SELECT 1')));

  it('fails a strong read with UNAVAILABLE', () => expectUnavailable(db.read('SELECT 1', [], { consistency: 'strong' })));

  it('fails a transaction that cannot get a connection with UNAVAILABLE, without running its work', async () => {
    const work = jest.fn();
    await expectUnavailable(db.transaction(work));
    expect(work).not.toHaveBeenCalled();
  });
});
