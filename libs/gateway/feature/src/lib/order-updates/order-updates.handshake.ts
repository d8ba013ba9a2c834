import { type IncomingMessage } from 'node:http';
import { DomainError, UnauthenticatedError } from '@workshop/errors';
import { type CallerIdentity } from '@workshop/grpc';
import { type RateLimiter, RateLimitExceededError, rateLimitHeaders } from '@workshop/rate-limit';
import { type AccessTokens } from '../auth/access-token';
import { bearerChallenge, PROBLEM_CONTENT_TYPE, toProblemDetails } from '../errors/problem-details.filter';
import { type GatewayRateLimits, webSocketChecks } from '../rate-limit/gateway-rate-limits';
import { BEARER_SUBPROTOCOL_PREFIX } from './order-updates.protocol';

const BEARER = /^Bearer ([^\s]+)$/i;

/** An upgrade request the handshake admitted: it carries its caller into the connection handler. */
export interface AdmittedUpgradeRequest extends IncomingMessage {
  caller?: CallerIdentity;
}

/** The handshake's verdict: the caller, or the HTTP answer that refuses the upgrade. */
export type Admission =
  | { admitted: true; caller: CallerIdentity }
  | { admitted: false; status: number; headers: Record<string, string>; body: string };

/**
 * Decides each WebSocket upgrade before it happens, so a refusal is an ordinary HTTP answer a
 * client can act on, not a socket that opens and closes:
 * - the access token, from `Authorization: Bearer …` or, for browsers (which cannot set that
 *   header on a WebSocket), the offered subprotocol `bearer.<token>`; none or an invalid one is a
 *   401 problem+json with a `WWW-Authenticate: Bearer` challenge, as on every HTTP route;
 * - the rate limits: opening a connection costs one request of the caller's per-user and
 *   per-address limits, shared with HTTP; over them is a 429 with `Retry-After` and the RateLimit headers.
 */
export class OrderUpdatesHandshake {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly rateLimit?: { limiter: RateLimiter; limits: GatewayRateLimits },
  ) {}

  async admit(request: IncomingMessage): Promise<Admission> {
    const token = accessTokenOf(request);
    let caller: CallerIdentity;
    try {
      if (token === undefined) {
        throw new UnauthenticatedError(
          `An access token is required: Authorization: Bearer <token>, or the subprotocol ${BEARER_SUBPROTOCOL_PREFIX}<token>`,
        );
      }
      caller = this.tokens.verify(token);
    } catch (error) {
      return refusal(error, request, { 'www-authenticate': bearerChallenge(token !== undefined) });
    }
    if (this.rateLimit !== undefined) {
      const { limiter, limits } = this.rateLimit;
      const decision = await limiter.check(webSocketChecks(limits, caller.userId, request.socket.remoteAddress ?? 'unknown'));
      if (!decision.allowed) return refusal(new RateLimitExceededError(decision), request, rateLimitHeaders(decision));
    }
    return { admitted: true, caller };
  }
}

/** The token from the Authorization header, else from the `bearer.<token>` subprotocol. */
export function accessTokenOf(request: IncomingMessage): string | undefined {
  const fromHeader = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (fromHeader !== undefined) return fromHeader;
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim());
  const fromSubprotocol = offered.find((protocol) => protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  return fromSubprotocol?.slice(BEARER_SUBPROTOCOL_PREFIX.length) || undefined;
}

function refusal(error: unknown, request: IncomingMessage, headers: Record<string, string>): Admission {
  if (!(error instanceof DomainError)) throw error;
  const problem = toProblemDetails(error, (request.url ?? '/').split('?')[0] ?? '/', correlationIdOf(request));
  return {
    admitted: false,
    status: problem.status,
    headers: { ...headers, 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problem),
  };
}

function correlationIdOf(request: IncomingMessage): string | undefined {
  const header = request.headers['x-correlation-id'];
  return Array.isArray(header) ? header[0] : header;
}
