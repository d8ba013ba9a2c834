import { type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { type RateLimitCheck, RateLimiter, type SharedRateLimitStore } from '@workshop/rate-limit';
import { createLogger } from '@workshop/observability';
import { AccessTokens } from '../auth/access-token';
import { type GatewayRateLimits } from '../rate-limit/gateway-rate-limits';
import { accessTokenOf, OrderUpdatesHandshake } from './order-updates.handshake';

const tokens = new AccessTokens({ secret: 'x'.repeat(32), issuer: 'workshop-gateway', audience: 'workshop-api', ttlSeconds: 60 });
const userId = randomUUID();
const token = tokens.issue({ userId, role: 'user' }).token;
const limits: GatewayRateLimits = {
  perUser: { name: 'per-user', limit: 60, windowSeconds: 60, burst: 1 },
  perIp: { name: 'per-ip', limit: 600, windowSeconds: 60, burst: 100 },
  credentials: { name: 'credentials', limit: 60, windowSeconds: 60, burst: 20 },
};

function upgrade(headers: IncomingMessage['headers']): IncomingMessage {
  return { headers, url: '/order-updates?x=1', socket: { remoteAddress: '10.0.0.7' } } as unknown as IncomingMessage;
}

/** A shared store that is down: the limiter decides with its local bucket, no Redis needed. */
const unreachableStore: SharedRateLimitStore = {
  check: (_checks: readonly RateLimitCheck[]) => Promise.reject(new Error('Redis is down')),
  ping: () => Promise.reject(new Error('Redis is down')),
  close: () => Promise.resolve(),
};

describe('OrderUpdatesHandshake', () => {
  it('reads the token from the Authorization header, or from the bearer.<token> subprotocol', () => {
    expect(accessTokenOf(upgrade({ authorization: `Bearer ${token}` }))).toBe(token);
    expect(accessTokenOf(upgrade({ 'sec-websocket-protocol': `order-updates.v1, bearer.${token}` }))).toBe(token);
    expect(accessTokenOf(upgrade({ 'sec-websocket-protocol': 'order-updates.v1, bearer.' }))).toBeUndefined();
    expect(accessTokenOf(upgrade({ authorization: `Basic abc` }))).toBeUndefined();
  });

  it('admits a valid token with its caller', async () => {
    const handshake = new OrderUpdatesHandshake(tokens);
    await expect(handshake.admit(upgrade({ authorization: `Bearer ${token}` }))).resolves.toEqual({
      admitted: true,
      caller: { userId, role: 'user' },
    });
  });

  it('refuses no token or a bad one with a 401 problem+json and a Bearer challenge', async () => {
    const handshake = new OrderUpdatesHandshake(tokens);
    const none = await handshake.admit(upgrade({}));
    expect(none).toMatchObject({
      admitted: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="workshop"', 'content-type': 'application/problem+json' },
    });
    if (none.admitted) throw new Error('admitted');
    expect(JSON.parse(none.body)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', instance: '/order-updates' });

    const forged = await handshake.admit(upgrade({ authorization: `Bearer ${token}x` }));
    expect(forged).toMatchObject({
      admitted: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="workshop", error="invalid_token"' },
    });
  });

  it("counts each upgrade against the caller's limits and refuses past them with 429 and Retry-After", async () => {
    const limiter = new RateLimiter({ redisUrl: 'redis://127.0.0.1:1' }, createLogger('test', 'silent'), unreachableStore);
    const handshake = new OrderUpdatesHandshake(tokens, { limiter, limits });
    await expect(handshake.admit(upgrade({ authorization: `Bearer ${token}` }))).resolves.toMatchObject({ admitted: true });
    const limited = await handshake.admit(upgrade({ authorization: `Bearer ${token}` }));
    expect(limited).toMatchObject({ admitted: false, status: 429, headers: { 'retry-after': expect.stringMatching(/^\d+$/) } });
    if (limited.admitted) throw new Error('admitted');
    expect(JSON.parse(limited.body)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });
});
