import { type KeyObject, createHmac, createSecretKey, randomUUID, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '@workshop/errors';
import { CALLER_ROLES, type CallerIdentity, type CallerRole } from '@workshop/grpc';
import { UUID } from '@workshop/pagination';

export interface AccessTokenOptions {
  /** HMAC key; at least 32 bytes, shared by every gateway instance. */
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Tolerated clock difference between gateway instances when checking exp and nbf. */
  clockToleranceSeconds?: number;
}

export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

/**
 * The one algorithm this verifier accepts. Pinning it is the defence against the classic JWT
 * attacks: `alg: none` (no signature at all) and algorithm confusion (a token "signed" with
 * RS256's public key used as an HMAC secret). The header's alg is checked, never obeyed.
 */
const ALGORITHM = 'HS256';
const HEADER = base64url(JSON.stringify({ alg: ALGORITHM, typ: 'JWT' }));
/** Tokens are a few hundred bytes; anything far larger is not one of ours and is not parsed. */
const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MIN_SECRET_BYTES = 32;

interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  role: CallerRole;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
}

/**
 * Short-lived access tokens: JWTs (RFC 7519) signed with HMAC-SHA256 from node:crypto. The
 * gateway both issues and verifies them, so a shared secret is enough; with separate issuers
 * an asymmetric algorithm (EdDSA) would let verifiers hold only a public key.
 */
export class AccessTokens {
  /**
   * The secret imported once as a KeyObject: `createHmac` with a Buffer imports the key material
   * again on every call, a measurable share of a request's CPU when every request is verified.
   */
  private readonly key: KeyObject;
  private readonly clockToleranceSeconds: number;

  constructor(private readonly options: AccessTokenOptions) {
    const secret = Buffer.from(options.secret, 'utf8');
    if (secret.length < MIN_SECRET_BYTES) throw new Error(`The access token secret must be at least ${MIN_SECRET_BYTES} bytes`);
    this.key = createSecretKey(secret);
    this.clockToleranceSeconds = options.clockToleranceSeconds ?? 5;
  }

  issue(caller: CallerIdentity, now = new Date()): IssuedAccessToken {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: caller.userId,
      role: caller.role,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + this.options.ttlSeconds,
      jti: randomUUID(),
    };
    const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
    return { token: `${signingInput}.${this.sign(signingInput).toString('base64url')}`, expiresInSeconds: this.options.ttlSeconds };
  }

  /**
   * The caller a token speaks for, or UNAUTHENTICATED. The signature is checked (in constant
   * time) before any claim is believed; then issuer, audience, expiry and not-before.
   */
  verify(token: string, now = new Date()): CallerIdentity {
    const parts = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
    const [header, payload, signature] = parts;
    if (parts.length !== 3 || !header || !payload || !signature || !parts.every((part) => BASE64URL.test(part))) {
      throw invalid('is not a JWT');
    }
    // The header this gateway issues is always the same text, so it needs no decoding; any other
    // header (another implementation's key order, say) is parsed and its alg checked.
    if (header !== HEADER && (parseJson(header) as { alg?: unknown } | undefined)?.alg !== ALGORITHM) {
      throw invalid(`must be signed with ${ALGORITHM}`);
    }
    const expected = this.sign(`${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('has an invalid signature');
    return this.checkClaims(parseJson(payload), Math.floor(now.getTime() / 1000));
  }

  private checkClaims(claims: unknown, nowSeconds: number): CallerIdentity {
    const { iss, aud, sub, role, exp, nbf } = (claims ?? {}) as Partial<Record<keyof AccessTokenClaims, unknown>>;
    if (iss !== this.options.issuer) throw invalid('has the wrong issuer');
    if (aud !== this.options.audience) throw invalid('has the wrong audience');
    if (typeof exp !== 'number' || nowSeconds >= exp + this.clockToleranceSeconds) throw invalid('has expired');
    if (typeof nbf !== 'number' || nowSeconds < nbf - this.clockToleranceSeconds) throw invalid('is not valid yet');
    if (typeof sub !== 'string' || !UUID.test(sub) || !(CALLER_ROLES as readonly unknown[]).includes(role)) {
      throw invalid('names no valid subject');
    }
    return { userId: sub, role: role as CallerRole };
  }

  private sign(signingInput: string): Buffer {
    return createHmac('sha256', this.key).update(signingInput).digest();
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function invalid(reason: string): UnauthenticatedError {
  return new UnauthenticatedError(`The access token ${reason}`);
}
