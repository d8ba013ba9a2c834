import { randomUUID } from 'node:crypto';
import { GENEROUS_CREDENTIAL_LIMITS, type RunningSystem, type SignedUpUser, signUp, startSystem } from '@workshop/testing';
import { accessTokenClaims, handMadeToken, hmacSignature } from './forged-tokens';
import { type GatewayClient, type JsonResponse, gatewayClient } from './http-client';

type Problem = { status: number; code: string; detail: string; errors?: { field: string }[] };

/**
 * Attacks on the gateway, through the real system: requests without a valid token, with forged or
 * expired ones, with another user's ids, with SQL in every field and with oversized values. Each
 * gets the right 4xx as problem+json, and none leaves a trace in the database.
 */
describe('security at the edge', () => {
  // The test knows the secret so that it can forge tokens that differ from a real one in one way only.
  const jwtSecret = `e2e-${randomUUID()}-secret`;
  let system: RunningSystem;
  let gateway: GatewayClient;
  let ada: SignedUpUser;
  let grace: SignedUpUser;
  let adaOrderId: string;

  const orderFor = (userId: string) => ({
    userId,
    lines: [{ sku: 'BOOK-1843', quantity: 1, unitPrice: { amountMinor: 1250, currencyCode: 'EUR' } }],
  });

  beforeAll(async () => {
    system = await startSystem({ env: { JWT_SECRET: jwtSecret, ...GENEROUS_CREDENTIAL_LIMITS } });
    gateway = gatewayClient(system.gatewayUrl);
    ada = await signUp(system.gatewayUrl, { name: 'Ada' });
    grace = await signUp(system.gatewayUrl, { name: 'Grace' });
    const placed = await gateway.post<{ id: string }>('/orders', orderFor(ada.id), ada.authorization);
    expect(placed.status).toBe(201);
    adaOrderId = placed.body.id;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  function expectProblem(response: JsonResponse<Problem>, status: number, code: string): void {
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  }

  describe('every route but sign-up, token and health needs a valid token', () => {
    const protectedRoutes = (): [string, string, unknown][] => [
      ['GET', '/users/me', undefined],
      ['GET', `/users/${ada.id}`, undefined],
      ['GET', '/users', undefined],
      ['GET', `/users/${ada.id}/orders`, undefined],
      ['GET', `/orders/${adaOrderId}`, undefined],
      ['POST', '/orders', orderFor(ada.id)],
    ];
    const expiredAt = () => Math.floor(Date.now() / 1000) - 60;

    const attacks: [string, () => string | undefined][] = [
      ['no Authorization header', () => undefined],
      ['a Basic credential', () => `Basic ${Buffer.from(`${ada.email}:${ada.password}`).toString('base64')}`],
      ['an empty Bearer', () => 'Bearer '],
      ['SQL instead of a token', () => "Bearer ' OR '1'='1"],
      [
        'an expired token',
        () =>
          `Bearer ${handMadeToken({ alg: 'HS256' }, accessTokenClaims(ada.id, { exp: expiredAt(), iat: expiredAt() - 900, nbf: expiredAt() - 900 }), hmacSignature(jwtSecret))}`,
      ],
      [
        'a forged signature',
        () => `Bearer ${handMadeToken({ alg: 'HS256' }, accessTokenClaims(ada.id), hmacSignature(`not-${jwtSecret}`))}`,
      ],
      ['alg none', () => `Bearer ${handMadeToken({ alg: 'none', typ: 'JWT' }, accessTokenClaims(ada.id), () => '')}`],
      [
        'the wrong algorithm (HS512, right secret)',
        () => `Bearer ${handMadeToken({ alg: 'HS512' }, accessTokenClaims(ada.id), hmacSignature(jwtSecret, 'sha512'))}`,
      ],
      [
        'another issuer',
        () => `Bearer ${handMadeToken({ alg: 'HS256' }, accessTokenClaims(ada.id, { iss: 'evil' }), hmacSignature(jwtSecret))}`,
      ],
      [
        'a real token with the role changed to admin',
        () => {
          const [header, , signature] = ada.accessToken.split('.');
          const payload = Buffer.from(JSON.stringify(accessTokenClaims(ada.id, { role: 'admin' }))).toString('base64url');
          return `Bearer ${header}.${payload}.${signature}`;
        },
      ],
    ];

    it.each(attacks)('%s gets 401 problem+json with a Bearer challenge on every protected route', async (_, authorization) => {
      const header = authorization();
      for (const [method, path, json] of protectedRoutes()) {
        const response = await gateway.request<Problem>(method, path, {
          json,
          headers: header === undefined ? {} : { authorization: header },
        });

        expectProblem(response, 401, 'UNAUTHENTICATED');
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="workshop"/);
      }
    });

    it('accepts a token built the same way with everything right, so the rejections above are for the reason named', async () => {
      const token = handMadeToken({ alg: 'HS256', typ: 'JWT' }, accessTokenClaims(ada.id), hmacSignature(jwtSecret));

      expect((await gateway.get('/users/me', { authorization: `Bearer ${token}` })).status).toBe(200);
    });

    it('leaves sign-up, token and health open', async () => {
      expect((await gateway.get('/health/ready')).status).toBe(200);
      expect((await gateway.get('/health/live')).status).toBe(200);
      expect((await gateway.post('/auth/token', { email: ada.email, password: ada.password })).status).toBe(200);
    });
  });

  describe("another user's ids", () => {
    it.each([
      ['their user', () => `/users/${ada.id}`],
      ['their order', () => `/orders/${adaOrderId}`],
      ['their order list', () => `/users/${ada.id}/orders`],
    ])('answers 404 for %s, exactly as for an id that does not exist', async (_, path) => {
      const response = await gateway.get<Problem>(path(), grace.authorization);
      const unknown = await gateway.get<Problem>(path().replace(/[0-9a-f-]{36}/, randomUUID()), grace.authorization);

      expectProblem(response, 404, 'NOT_FOUND');
      expect(unknown.status).toBe(404);
    });

    it('answers 422 for an order placed in their name, as for an unknown user, and stores nothing', async () => {
      const response = await gateway.post<Problem>('/orders', orderFor(ada.id), grace.authorization);
      const adaOrders = await gateway.get<{ items: { id: string }[] }>(`/users/${ada.id}/orders`, ada.authorization);

      expectProblem(response, 422, 'PRECONDITION_FAILED');
      expect(adaOrders.body.items.map((order) => order.id)).toEqual([adaOrderId]);
    });

    it('answers 403 for the list of all users', async () => {
      expectProblem(await gateway.get<Problem>('/users', grace.authorization), 403, 'PERMISSION_DENIED');
    });
  });

  describe('signing in', () => {
    it('gives the same 401 for a wrong password and an unknown email', async () => {
      const wrongPassword = await gateway.post<Problem>('/auth/token', { email: ada.email, password: `${ada.password}x` });
      const unknownEmail = await gateway.post<Problem>('/auth/token', {
        email: `nobody+${randomUUID()}@example.com`,
        password: ada.password,
      });

      expectProblem(wrongPassword, 401, 'UNAUTHENTICATED');
      expectProblem(unknownEmail, 401, 'UNAUTHENTICATED');
      expect(unknownEmail.body.detail).toBe(wrongPassword.body.detail);
    });

    it('issues a token that is never cached and is accepted at once', async () => {
      const response = await gateway.post<{ accessToken: string; tokenType: string; expiresIn: number }>('/auth/token', {
        email: ada.email.toUpperCase(),
        password: ada.password,
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      expect((await gateway.get('/users/me', { authorization: `Bearer ${response.body.accessToken}` })).status).toBe(200);
    });
  });

  describe('SQL injection strings reach the database only as data', () => {
    it('stores a name and password full of SQL literally, and the password still has to match exactly', async () => {
      const name = "Robert'); DROP TABLE users.users; --";
      const password = "' OR '1'='1'; -- padding";
      const bobby = await signUp(system.gatewayUrl, { name, password });

      const me = await gateway.get<{ name: string }>('/users/me', bobby.authorization);
      const injected = await gateway.post<Problem>('/auth/token', { email: bobby.email, password: "' OR '1'='1" });
      const sqlEmail = await gateway.post<Problem>('/auth/token', { email: "' OR 1=1 --", password });

      expect(me.body.name).toBe(name);
      expectProblem(injected, 401, 'UNAUTHENTICATED');
      expectProblem(sqlEmail, 401, 'UNAUTHENTICATED');
      // The table the name tried to drop is still there, with its rows.
      expect((await gateway.get(`/users/${ada.id}`, ada.authorization)).status).toBe(200);
    });

    it.each([
      [
        'the email of a sign-up',
        'POST',
        () => '/users',
        () => ({ email: "x'; DROP TABLE users.users; --@example.com", name: 'A', password: 'a long password' }),
        'email',
      ],
      ['a user id in the path', 'GET', () => "/users/1' OR '1'='1", () => undefined, 'id'],
      ['an order id in the path', 'GET', () => "/orders/1'; DELETE FROM orders.orders; --", () => undefined, 'id'],
      ['a cursor', 'GET', () => `/users/${ada.id}/orders?cursor=${encodeURIComponent("' OR 1=1 --")}`, () => undefined, 'cursor'],
      [
        'a limit',
        'GET',
        () => `/users/${ada.id}/orders?limit=${encodeURIComponent('1; DROP TABLE orders.orders')}`,
        () => undefined,
        'limit',
      ],
      ['the user id of an order', 'POST', () => '/orders', () => ({ ...orderFor(ada.id), userId: "' OR '1'='1" }), 'userId'],
      [
        'a sku',
        'POST',
        () => '/orders',
        () => ({ ...orderFor(ada.id), lines: [{ ...orderFor(ada.id).lines[0], sku: "A'; DROP TABLE orders.orders; --" }] }),
        'lines[0].sku',
      ],
    ])('rejects SQL in %s with 400 naming the field', async (_, method, path, json, field) => {
      const response = await gateway.request<Problem>(method, path(), { json: json(), headers: ada.authorization });

      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors?.map((error) => error.field)).toContain(field);
    });
  });

  describe('oversized values in every field', () => {
    const huge = 'x'.repeat(100_000);
    const line = { sku: 'BOOK-1843', quantity: 1, unitPrice: { amountMinor: 1, currencyCode: 'EUR' } };
    const signUpBody = (email: string, overrides: Record<string, unknown>) => ({
      email,
      name: 'Ada',
      password: 'a long password',
      ...overrides,
    });
    const cases: [string, string, (value: unknown, email: string) => unknown, string, unknown][] = [
      ['sign-up email', '/users', (value) => signUpBody(`${String(value)}@example.com`, {}), 'email', 'e'.repeat(300)],
      ['sign-up name', '/users', (value, email) => signUpBody(email, { name: value }), 'name', 'n'.repeat(201)],
      ['sign-up password', '/users', (value, email) => signUpBody(email, { password: value }), 'password', 'p'.repeat(257)],
      ['token email', '/auth/token', (value) => ({ email: value, password: 'a long password' }), 'email', 'e'.repeat(255)],
      ['token password', '/auth/token', (value, email) => ({ email, password: value }), 'password', 'p'.repeat(257)],
      ['order user id', '/orders', (value) => ({ userId: value, lines: [line] }), 'userId', 'u'.repeat(1_000)],
      ['order lines', '/orders', (value) => ({ userId: ada.id, lines: value }), 'lines', Array.from({ length: 101 }, () => line)],
      ['sku', '/orders', (value) => ({ userId: ada.id, lines: [{ ...line, sku: value }] }), 'lines[0].sku', 's'.repeat(65)],
      ['quantity', '/orders', (value) => ({ userId: ada.id, lines: [{ ...line, quantity: value }] }), 'lines[0].quantity', 1e308],
      [
        'amount',
        '/orders',
        (value) => ({ userId: ada.id, lines: [{ ...line, unitPrice: { ...line.unitPrice, amountMinor: value } }] }),
        'lines[0].unitPrice.amountMinor',
        Number.MAX_SAFE_INTEGER + 2,
      ],
      [
        'currency',
        '/orders',
        (value) => ({ userId: ada.id, lines: [{ ...line, unitPrice: { ...line.unitPrice, currencyCode: value } }] }),
        'lines[0].unitPrice.currencyCode',
        'EURO',
      ],
    ];

    it.each(cases)(
      '%s: 413 past the body limit, 400 naming the field past its own limit, and nothing stored',
      async (_, path, body, field, tooLong) => {
        const email = `big+${randomUUID()}@example.com`;
        const pastBodyLimit = await gateway.request<Problem>('POST', path, { json: body(huge, email), headers: ada.authorization });
        const pastFieldLimit = await gateway.request<Problem>('POST', path, { json: body(tooLong, email), headers: ada.authorization });

        expectProblem(pastBodyLimit, 413, 'PAYLOAD_TOO_LARGE');
        expectProblem(pastFieldLimit, 400, 'VALIDATION_FAILED');
        expect(pastFieldLimit.body.errors?.map((error) => error.field)).toContain(field);
        // Neither attempt created an account with this email, nor an order for Ada.
        expect((await gateway.post('/auth/token', { email, password: 'a long password' })).status).toBe(401);
        const adaOrders = await gateway.get<{ items: unknown[] }>(`/users/${ada.id}/orders`, ada.authorization);
        expect(adaOrders.body.items).toHaveLength(1);
      },
    );
  });
});
