import {
  ConsistencySession,
  currentConsistencySession,
  laterConsistencyToken,
  lsnToBigInt,
  parseConsistencyToken,
  runWithConsistencyToken,
} from './consistency-token';

describe('consistency tokens', () => {
  it('accepts only well-formed WAL positions', () => {
    expect(parseConsistencyToken('0/16B3748')).toBe('0/16B3748');
    expect(parseConsistencyToken('1a/ff')).toBe('1A/FF');
    expect(parseConsistencyToken(undefined)).toBeUndefined();
    expect(parseConsistencyToken('')).toBeUndefined();
    expect(parseConsistencyToken('0/16B3748; DROP TABLE users')).toBeUndefined();
    expect(parseConsistencyToken('123456789/0')).toBeUndefined();
  });

  it('orders positions by their 64-bit value, not as text', () => {
    expect(lsnToBigInt('1/0')).toBe(2n ** 32n);
    expect(laterConsistencyToken('0/FFFFFFFF', '1/0')).toBe('1/0');
    expect(laterConsistencyToken('0/9', '0/10')).toBe('0/10');
    expect(laterConsistencyToken(undefined, '0/10')).toBe('0/10');
    expect(laterConsistencyToken('0/10', undefined)).toBe('0/10');
  });

  it('a session only moves forward', () => {
    const session = new ConsistencySession('0/20');
    session.observe('0/10');
    expect(session.token).toBe('0/20');
    session.observe('0/30');
    expect(session.token).toBe('0/30');
  });

  it('carries the session across awaits, starting from the token received', async () => {
    expect(currentConsistencySession()).toBeUndefined();
    await runWithConsistencyToken('0/AB', async (session) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentConsistencySession()).toBe(session);
      expect(session.token).toBe('0/AB');
    });
    runWithConsistencyToken('not a token', (session) => expect(session.token).toBeUndefined());
  });
});
