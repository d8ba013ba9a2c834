import { consistencyTokenFromHttpRequest, writeConsistencyTokenToReply } from './http-request-context';

describe('consistency token at the HTTP edge', () => {
  it('reads the header first, then the cookie', () => {
    expect(consistencyTokenFromHttpRequest({ headers: { 'x-consistency-token': '0/A', cookie: 'consistency_token=0/B' } })).toBe('0/A');
    expect(consistencyTokenFromHttpRequest({ headers: { cookie: 'theme=dark; consistency_token=0/B; other=1' } })).toBe('0/B');
    expect(consistencyTokenFromHttpRequest({ headers: {} })).toBeUndefined();
  });

  it('writes the token as a header and an HttpOnly cookie, and nothing without one', () => {
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) };
    writeConsistencyTokenToReply(reply as never, undefined);
    expect(headers).toEqual({});
    writeConsistencyTokenToReply(reply as never, '0/3A2F10');
    expect(headers['x-consistency-token']).toBe('0/3A2F10');
    expect(headers['set-cookie']).toMatch(/^consistency_token=0\/3A2F10; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  });
});
