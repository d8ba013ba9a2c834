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
/**
 * Verified tokens remembered, at most: a client sends the same token with every request for its
 * lifetime, and what verifying it again would prove (the signature, issuer, audience, subject) cannot
 * have changed. About 300 bytes each, so a few MB at most; the oldest is forgotten first.
 */
const MAX_VERIFIED_TOKENS = 10_000;

/** What a verified token still has to pass on every use: its validity window. */
interface VerifiedToken {
  caller: CallerIdentity;
  notBefore: number;
  expires: number;
}

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
  /** Tokens whose signature and claims were checked, by their exact text (see MAX_VERIFIED_TOKENS). */
  private readonly verified = new Map<string, VerifiedToken>();

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
   * time) before any claim is believed; then issuer, audience, subject and role. A token that
   * passed is remembered by its exact text, so its next uses skip the HMAC and the JSON and check
   * only expiry and not-before, which they always do.
   */
  verify(token: string, now: Date | number = Date.now()): CallerIdentity {
    const nowSeconds = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
    const known = this.verified.get(token) ?? this.remember(token, this.verifySignatureAndClaims(token));
    if (nowSeconds >= known.expires + this.clockToleranceSeconds) {
      this.verified.delete(token);
      throw invalid('has expired');
    }
    if (nowSeconds < known.notBefore - this.clockToleranceSeconds) throw invalid('is not valid yet');
    return known.caller;
  }

  private verifySignatureAndClaims(token: string): VerifiedToken {
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
    return this.checkClaims(parseJson(payload));
  }

  private checkClaims(claims: unknown): VerifiedToken {
    const { iss, aud, sub, role, exp, nbf } = (claims ?? {}) as Partial<Record<keyof AccessTokenClaims, unknown>>;
    if (iss !== this.options.issuer) throw invalid('has the wrong issuer');
    if (aud !== this.options.audience) throw invalid('has the wrong audience');
    if (typeof exp !== 'number') throw invalid('has expired');
    if (typeof nbf !== 'number') throw invalid('is not valid yet');
    if (typeof sub !== 'string' || !UUID.test(sub) || !(CALLER_ROLES as readonly unknown[]).includes(role)) {
      throw invalid('names no valid subject');
    }
    return { caller: { userId: sub, role: role as CallerRole }, notBefore: nbf, expires: exp };
  }

  private remember(token: string, verified: VerifiedToken): VerifiedToken {
    if (this.verified.size >= MAX_VERIFIED_TOKENS) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, verified);
    return verified;
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
