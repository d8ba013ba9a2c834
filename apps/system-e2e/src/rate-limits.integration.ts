import { randomUUID } from 'node:crypto';
import { type RunningSystem, type SignedUpUser, signUp, startSystem, whileStopped } from '@workshop/testing';
import { type GatewayClient, type JsonResponse, gatewayClient } from './http-client';

const USER_BURST = 5;
const CREDENTIALS_BURST = 8;

/**
 * Rate limits at the gateway, through the real system and its Redis. Sustained rates of one
 * request per minute, so that nothing refills while a test runs and every count is exact.
 */
describe('rate limits at the gateway', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;
  // Signed up first: sign-up and token share the credentials limit of this address.
  let [ada, grace, linus, barbara]: SignedUpUser[] = [];

  beforeAll(async () => {
    system = await startSystem({
      env: {
        // Limits of this run only: the counts below are exact, and a run must not inherit the last one's.
        RATE_LIMIT_KEY_PREFIX: `rate-limit-e2e-${randomUUID()}`,
        RATE_LIMIT_PER_USER_PER_MINUTE: '1',
        RATE_LIMIT_PER_USER_BURST: String(USER_BURST),
        RATE_LIMIT_CREDENTIALS_PER_MINUTE: '1',
        RATE_LIMIT_CREDENTIALS_BURST: String(CREDENTIALS_BURST),
      },
    });
    gateway = gatewayClient(system.gatewayUrl);
    // One at a time: each sign-up and sign-in hashes a password with scrypt, which is meant to be slow.
    const users: SignedUpUser[] = [];
    for (let user = 0; user < 4; user += 1) users.push(await signUp(system.gatewayUrl));
    [ada, grace, linus, barbara] = users;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  async function spend(user: SignedUpUser, requests: number): Promise<JsonResponse[]> {
    const responses: JsonResponse[] = [];
    for (let request = 0; request < requests; request += 1) responses.push(await gateway.get('/users/me', user.authorization));
    return responses;
  }

  it('serves a user exactly the burst, with RateLimit headers, then 429 problem+json with Retry-After', async () => {
    const responses = await spend(ada!, USER_BURST + 1);
    const graceMeanwhile = await gateway.get('/users/me', grace!.authorization);

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(responses[0]?.headers.get('ratelimit-policy')).toBe('"per-ip";q=6000;w=60, "per-user";q=1;w=60');
    expect(responses.slice(0, USER_BURST).map((response) => response.headers.get('ratelimit'))).toEqual([
      expect.stringMatching(/^"per-user";r=4;t=\d+$/),
      expect.stringMatching(/^"per-user";r=3;t=/),
      expect.stringMatching(/^"per-user";r=2;t=/),
      expect.stringMatching(/^"per-user";r=1;t=/),
      expect.stringMatching(/^"per-user";r=0;t=/),
    ]);
    const limited = responses[USER_BURST];
    expect(limited?.headers.get('content-type')).toContain('application/problem+json');
    expect(limited?.body).toMatchObject({ status: 429, code: 'RESOURCE_EXHAUSTED' });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(Number(limited?.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // One user's limit is theirs alone.
    expect(graceMeanwhile.status).toBe(200);
  });

  it('limits token requests per route and address, before any password is checked', async () => {
    // The four sign-ups took four requests of each route.
    const left = CREDENTIALS_BURST - 4;
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= left; attempt += 1) {
      statuses.push((await gateway.post('/auth/token', { email: linus!.email, password: 'a wrong password' })).status);
    }

    expect(statuses).toEqual([...Array<number>(left).fill(401), 429]);
    // Health is never limited: an orchestrator must always see the truth.
    const health = await Promise.all(Array.from({ length: 20 }, () => gateway.get('/health/live')));
    expect(health.every((response) => response.status === 200)).toBe(true);
  });

  it('keeps serving, and limiting, on each instance alone while Redis is down', async () => {
    const responses = await whileStopped('redis', () => spend(barbara!, USER_BURST + 1));

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(responses[USER_BURST]?.headers.get('retry-after')).toMatch(/^\d+$/);
  }, 60_000);
});
