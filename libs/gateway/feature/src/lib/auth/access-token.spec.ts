import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { AccessTokens } from './access-token';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const ADA = '6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10';
const NOW = new Date('2026-01-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

const tokens = new AccessTokens({ secret: SECRET, issuer: 'gateway', audience: 'api', ttlSeconds: 900 });

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (overrides: Record<string, unknown> = {}) => ({
  iss: 'gateway',
  aud: 'api',
  sub: ADA,
  role: 'user',
  iat: NOW_SECONDS,
  nbf: NOW_SECONDS,
  exp: NOW_SECONDS + 900,
  ...overrides,
});

/** A token built by hand, the way an attacker would. */
function handMade(header: Record<string, unknown>, payload: Record<string, unknown>, secret = SECRET): string {
  const signingInput = `${encode(header)}.${encode(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('AccessTokens', () => {
  it('verifies a token it issued and returns the caller', () => {
    const { token, expiresInSeconds } = tokens.issue({ userId: ADA, role: 'admin' }, NOW);

    expect(expiresInSeconds).toBe(900);
    expect(tokens.verify(token, NOW)).toEqual({ userId: ADA, role: 'admin' });
  });

  it('accepts a correct token built by another implementation', () => {
    expect(tokens.verify(handMade({ alg: 'HS256', typ: 'JWT' }, claims()), NOW)).toEqual({ userId: ADA, role: 'user' });
  });

  it('rejects an expired token, and one not valid yet, beyond the clock tolerance', () => {
    const { token } = tokens.issue({ userId: ADA, role: 'user' }, NOW);

    expect(() => tokens.verify(token, new Date(NOW.getTime() + 904_000))).not.toThrow();
    expect(() => tokens.verify(token, new Date(NOW.getTime() + 906_000))).toThrow(/expired/);
    expect(() => tokens.verify(handMade({ alg: 'HS256' }, claims({ nbf: NOW_SECONDS + 60 })), NOW)).toThrow(/not valid yet/);
  });

  it('rejects alg none, with or without a signature', () => {
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims())}`;

    expect(() => tokens.verify(`${unsigned}.`, NOW)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => tokens.verify(unsigned, NOW)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => tokens.verify(handMade({ alg: 'none' }, claims()), NOW)).toThrow(/HS256/);
  });

  it('rejects every other algorithm, even with a valid signature for it', () => {
    const hs512Input = `${encode({ alg: 'HS512' })}.${encode(claims())}`;
    const hs512 = `${hs512Input}.${createHmac('sha512', SECRET).update(hs512Input).digest('base64url')}`;
    const { privateKey } = generateKeyPairSync('ed25519');
    const edInput = `${encode({ alg: 'EdDSA' })}.${encode(claims())}`;
    const eddsa = `${edInput}.${sign(null, Buffer.from(edInput), privateKey).toString('base64url')}`;

    expect(() => tokens.verify(hs512, NOW)).toThrow(/HS256/);
    expect(() => tokens.verify(eddsa, NOW)).toThrow(/HS256/);
  });

  it('rejects a forged signature and a tampered payload', () => {
    const { token } = tokens.issue({ userId: ADA, role: 'user' }, NOW);
    const [header, , signature] = token.split('.');

    expect(() => tokens.verify(handMade({ alg: 'HS256' }, claims(), 'another-secret-that-is-long-enough-too'), NOW)).toThrow(/signature/);
    expect(() => tokens.verify(`${header}.${encode(claims({ role: 'admin' }))}.${signature}`, NOW)).toThrow(/signature/);
  });

  it('rejects the wrong issuer, audience, subject or role', () => {
    for (const overrides of [{ iss: 'someone-else' }, { aud: 'other-api' }, { sub: "1' OR 1=1" }, { role: 'root' }, { exp: 'never' }]) {
      expect(() => tokens.verify(handMade({ alg: 'HS256' }, claims(overrides)), NOW)).toThrow(
        expect.objectContaining({ code: 'UNAUTHENTICATED' }),
      );
    }
  });

  it('rejects what is not a JWT at all without parsing it', () => {
    for (const garbage of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', `${'a'.repeat(5000)}.b.c`]) {
      expect(() => tokens.verify(garbage, NOW)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    }
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new AccessTokens({ secret: 'short', issuer: 'gateway', audience: 'api', ttlSeconds: 60 })).toThrow(/32 bytes/);
  });
});
