import { randomUUID } from 'node:crypto';
import { GENEROUS_CREDENTIAL_LIMITS, type RunningSystem, type SignedUpUser, eventually, signUp, startSystem } from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

/**
 * The whole system, for real: HTTP -> gateway -> gRPC -> user-service / order-service ->
 * Postgres (primary and replica) and Redis, with order events crossing Kafka from order-service
 * to user-service. Every service runs as its own process, started from its main.ts.
 */
describe('the system through the gateway', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;
  /** Signed in with the admin role (ADMIN_EMAILS), for the routes only admins may use. */
  let admin: SignedUpUser;
  const adminEmail = `admin+${randomUUID()}@example.com`;

  beforeAll(async () => {
    system = await startSystem({ env: { ADMIN_EMAILS: adminEmail, ...GENEROUS_CREDENTIAL_LIMITS } });
    gateway = gatewayClient(system.gatewayUrl);
    admin = await signUp(system.gatewayUrl, { email: adminEmail, name: 'Admin' });
  }, 120_000);

  afterAll(async () => {
    // Already stopped by the last test when it ran; stopping twice is harmless.
    await system?.stop();
  }, 30_000);

  const createUser = (name = 'Ada Lovelace') => signUp(system.gatewayUrl, { name });

  const orderFor = (userId: string, amountMinor = 1250, quantity = 2) => ({
    userId,
    lines: [{ sku: 'BOOK-1843', quantity, unitPrice: { amountMinor, currencyCode: 'EUR' } }],
  });

  it('signs a user up and reads it back at once, with empty order statistics', async () => {
    const created = await createUser();

    const read = await gateway.get(`/users/${created.id}`, created.authorization);
    const me = await gateway.get('/users/me', created.authorization);

    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id: created.id,
      email: created.email,
      name: created.name,
      createdAt: created.createdAt,
      // USER_CREDIT_LIMIT_MINOR's default: 10,000.00 in each currency.
      creditLimitMinor: 1_000_000,
      orderStatistics: { ordersCount: 0, totalSpent: [], lastOrderAt: null },
    });
    expect(me.body).toEqual(read.body);
    expect(JSON.stringify(read.body)).not.toContain(created.password);
  });

  it('places an order, and user-service learns of it over Kafka: the statistics change', async () => {
    const user = await createUser();
    // Read once first, so a cached answer exists that the order event must invalidate.
    await gateway.get(`/users/${user.id}`, user.authorization);

    const placed = await gateway.post<{ id: string; status: string; total: unknown }>(
      '/orders',
      orderFor(user.id, 1250, 2),
      user.authorization,
    );

    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('PLACED');
    expect(placed.body.total).toEqual({ amountMinor: 2500, currencyCode: 'EUR' });
    const statistics = await eventually(
      async () =>
        (await gateway.get<{ orderStatistics: { ordersCount: number } }>(`/users/${user.id}`, user.authorization)).body.orderStatistics,
      (current) => current.ordersCount === 1,
      { description: 'the order to reach the user statistics', timeoutMs: 30_000 },
    );
    expect(statistics).toEqual({
      ordersCount: 1,
      totalSpent: [{ amountMinor: 2500, currencyCode: 'EUR' }],
      lastOrderAt: expect.any(String),
    });
  });

  it('reads an order back and lists a user orders newest first, page by page', async () => {
    const user = await createUser();
    const placed: string[] = [];
    for (const amount of [100, 200, 300]) {
      placed.push((await gateway.post<{ id: string }>('/orders', orderFor(user.id, amount, 1), user.authorization)).body.id);
    }

    const one = await gateway.get<{ id: string; userId: string }>(`/orders/${placed[0]}`, user.authorization);
    const firstPage = await gateway.get<{ items: { id: string }[]; nextCursor: string | null }>(
      `/users/${user.id}/orders?limit=2`,
      user.authorization,
    );
    const secondPage = await gateway.get<{ items: { id: string }[]; nextCursor: string | null }>(
      `/users/${user.id}/orders?limit=2&cursor=${encodeURIComponent(firstPage.body.nextCursor ?? '')}`,
      user.authorization,
    );

    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: placed[0], userId: user.id });
    expect(firstPage.body.items.map((order) => order.id)).toEqual([placed[2], placed[1]]);
    expect(secondPage.body.items.map((order) => order.id)).toEqual([placed[0]]);
    expect(secondPage.body.nextCursor).toBeNull();
  });

  it('lets an admin page through users with an opaque cursor and no repeats', async () => {
    await createUser('Grace Hopper');
    await createUser('Barbara Liskov');
    const seen: string[] = [];
    let cursor: string | null = null;
    // Bounded: the database keeps every user earlier runs created.
    for (let page = 0; page < 20; page += 1) {
      const query: string = cursor === null ? '?limit=100' : `?limit=100&cursor=${encodeURIComponent(cursor)}`;
      const response = await gateway.get<{ items: { id: string }[]; nextCursor: string | null }>(`/users${query}`, admin.authorization);
      expect(response.status).toBe(200);
      seen.push(...response.body.items.map((user) => user.id));
      cursor = response.body.nextCursor;
      if (cursor === null) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('answers 403 when someone who is not an admin lists users', async () => {
    const user = await createUser();

    const response = await gateway.get('/users', user.authorization);

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  it('answers 409 problem+json when the email is taken, whatever its case', async () => {
    const user = await createUser();

    const duplicate = await gateway.post('/users', { email: user.email.toUpperCase(), name: 'Someone Else', password: 'another password' });

    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
    expect(duplicate.body).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
  });

  it.each([
    ['an unknown user', '/users/'],
    ['an unknown order', '/orders/'],
  ])('answers 404 problem+json for %s', async (_, prefix) => {
    const response = await gateway.get(`${prefix}${randomUUID()}`, admin.authorization);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers 422 for an order of a user who does not exist, and stores nothing', async () => {
    const ghost = randomUUID();

    const response = await gateway.post('/orders', orderFor(ghost), admin.authorization);
    const orders = await gateway.get<{ items: unknown[] }>(`/users/${ghost}/orders`, admin.authorization);

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(orders.body.items).toEqual([]);
  });

  describe('bad input gets 4xx problem+json naming the field, never a 500', () => {
    const validUserId = randomUUID();
    const password = 'a long enough password';
    const cases: [string, string, string, unknown, string | undefined][] = [
      ['POST /users without email', 'POST', '/users', { name: 'Ada', password }, 'email'],
      ['POST /users with a bad email', 'POST', '/users', { email: 'not-an-email', name: 'Ada', password }, 'email'],
      ['POST /users with an empty name', 'POST', '/users', { email: 'a@example.com', name: '', password }, 'name'],
      ['POST /users without a password', 'POST', '/users', { email: 'a@example.com', name: 'Ada' }, 'password'],
      ['POST /users with a short password', 'POST', '/users', { email: 'a@example.com', name: 'Ada', password: 'hunter2' }, 'password'],
      ['POST /users with an unknown field', 'POST', '/users', { email: 'a@example.com', name: 'Ada', password, admin: true }, 'admin'],
      [
        'POST /users with SQL in the email',
        'POST',
        '/users',
        { email: "x'; DROP TABLE users.users; --@example.com", name: 'Ada', password },
        'email',
      ],
      ['POST /users with a number for a name', 'POST', '/users', { email: 'a@example.com', name: 42, password }, 'name'],
      ['POST /auth/token without a password', 'POST', '/auth/token', { email: 'a@example.com' }, 'password'],
      ['GET /users/:id with a non-UUID id', 'GET', "/users/1' OR '1'='1", undefined, 'id'],
      ['GET /users with a limit over 100', 'GET', '/users?limit=1000', undefined, 'limit'],
      ['GET /users with a forged cursor', 'GET', '/users?cursor=bm90LWEtY3Vyc29y', undefined, 'cursor'],
      ['GET /orders/:id with a non-UUID id', 'GET', '/orders/42', undefined, 'id'],
      ['GET /users/:id/orders with a bad id', 'GET', '/users/abc/orders', undefined, 'id'],
      ['POST /orders with no lines', 'POST', '/orders', { userId: validUserId, lines: [] }, 'lines'],
      [
        'POST /orders with a non-UUID user',
        'POST',
        '/orders',
        { userId: 'bob', lines: [{ sku: 'A', quantity: 1, unitPrice: { amountMinor: 1, currencyCode: 'EUR' } }] },
        'userId',
      ],
      [
        'POST /orders with a zero quantity',
        'POST',
        '/orders',
        { userId: validUserId, lines: [{ sku: 'A', quantity: 0, unitPrice: { amountMinor: 1, currencyCode: 'EUR' } }] },
        'lines[0].quantity',
      ],
      [
        'POST /orders with a float price',
        'POST',
        '/orders',
        { userId: validUserId, lines: [{ sku: 'A', quantity: 1, unitPrice: { amountMinor: 9.99, currencyCode: 'EUR' } }] },
        'lines[0].unitPrice.amountMinor',
      ],
      [
        'POST /orders with a lower-case currency',
        'POST',
        '/orders',
        { userId: validUserId, lines: [{ sku: 'A', quantity: 1, unitPrice: { amountMinor: 1, currencyCode: 'eur' } }] },
        'lines[0].unitPrice.currencyCode',
      ],
      [
        'POST /orders mixing currencies',
        'POST',
        '/orders',
        {
          userId: validUserId,
          lines: [
            { sku: 'A', quantity: 1, unitPrice: { amountMinor: 1, currencyCode: 'EUR' } },
            { sku: 'B', quantity: 1, unitPrice: { amountMinor: 1, currencyCode: 'USD' } },
          ],
        },
        'lines',
      ],
    ];

    it.each(cases)('%s', async (_, method, path, json, field) => {
      // As an admin, so that no route can answer 403 or 404 before it looks at the input.
      const response = await gateway.request<{ status: number; errors?: { field: string }[] }>(method, path, {
        json,
        headers: admin.authorization,
      });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.status).toBe(400);
      expect(response.body.errors?.map((error) => error.field)).toContain(field);
    });

    it('malformed JSON gets 400', async () => {
      const response = await gateway.request('POST', '/users', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });

    it('an oversized body gets 413', async () => {
      const response = await gateway.post('/users', { email: 'a@example.com', name: 'x'.repeat(200_000) });

      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });

    it('a body that is not JSON gets 415', async () => {
      const response = await gateway.request('POST', '/users', { rawBody: 'email=a', headers: { 'content-type': 'text/xml' } });

      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });

    it('an unknown route gets 404', async () => {
      const response = await gateway.get('/no-such-route');

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  });

  it('carries the caller correlation id through and returns it', async () => {
    const response = await gateway.get(`/users/${randomUUID()}`, { 'x-correlation-id': 'e2e-trace-123', ...admin.authorization });

    expect(response.headers.get('x-correlation-id')).toBe('e2e-trace-123');
    expect(response.body).toMatchObject({ correlationId: 'e2e-trace-123' });
  });

  it('reports ready and exposes Prometheus metrics', async () => {
    const ready = await gateway.get('/health/ready');
    const metrics = await fetch(`${system.gatewayUrl}/metrics`).then((response) => response.text());

    expect(ready.status).toBe(200);
    expect(metrics).toMatch(/request_duration_seconds_bucket\{[^}]*route="\/users\/:id"/);
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  // Last, because it ends the system. Exit code 0 means each process closed its servers,
  // consumers and pools without error before its shutdown deadline (see libs/bootstrap).
  it('shuts every process down cleanly on SIGTERM', async () => {
    const started = Date.now();

    const exits = await system.stop();

    expect(exits).toEqual([
      { name: 'user-service', code: 0, signal: null },
      { name: 'order-service', code: 0, signal: null },
      { name: 'gateway', code: 0, signal: null },
    ]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
