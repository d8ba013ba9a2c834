import { createHmac } from 'node:crypto';

/**
 * Tokens built by hand, the way an attacker (or a buggy client) would, to check that the gateway
 * rejects each one. Written independently of the gateway's own token code on purpose.
 */
export function handMadeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  sign: (signingInput: string) => string,
): string {
  const signingInput = `${encode(header)}.${encode(claims)}`;
  return `${signingInput}.${sign(signingInput)}`;
}

export const hmacSignature =
  (secret: string, hash: 'sha256' | 'sha512' = 'sha256') =>
  (signingInput: string): string =>
    createHmac(hash, secret).update(signingInput).digest('base64url');

/** The claims the gateway issues, for `userId`, valid for the next 15 minutes unless overridden. */
export function accessTokenClaims(userId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: 'workshop-gateway', aud: 'workshop-api', sub: userId, role: 'user', iat: now, nbf: now, exp: now + 900, ...overrides };
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
