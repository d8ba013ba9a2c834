import { randomUUID } from 'node:crypto';
import {
  GENEROUS_CREDENTIAL_LIMITS,
  type RunningSystem,
  type SignedUpUser,
  eventually,
  signUp,
  startSystem,
  testSystemPorts,
} from '@workshop/testing';
import { type GatewayClient, type JsonResponse, gatewayClient } from './http-client';

interface GraphqlError {
  message: string;
  extensions: { code: string; correlationId?: string; errors?: { field: string; message: string }[] };
}

interface GraphqlResponse<Data> {
  data?: Data | null;
  errors?: GraphqlError[];
}

interface OrderPage {
  items: { id: string; total: { amountMinor: number; currencyCode: string } }[];
  nextCursor: string | null;
}

/**
 * The API design features over real HTTP against the running system: the OpenAPI document and its
 * UI, conditional GETs (ETag, 304), and GraphQL with batched downstream calls, counted on the
 * services' own request metrics.
 */
describe('the gateway API: docs, HTTP caching, GraphQL', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;
  /** Listing users is for admins, and an admin may read every user: what the batching tests need. */
  let admin: SignedUpUser;
  const adminEmail = `api-admin+${randomUUID()}@example.com`;
  const ports = testSystemPorts();

  beforeAll(async () => {
    system = await startSystem({ ports, env: { ADMIN_EMAILS: adminEmail, ...GENEROUS_CREDENTIAL_LIMITS } });
    gateway = gatewayClient(system.gatewayUrl);
    admin = await signUp(system.gatewayUrl, { email: adminEmail, name: 'Admin' });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  const createUser = (name: string) => signUp(system.gatewayUrl, { email: `api+${randomUUID()}@example.com`, name });

  async function placeOrder(user: SignedUpUser, amountMinor: number): Promise<{ id: string }> {
    const response = await gateway.post<{ id: string }>(
      '/orders',
      { userId: user.id, lines: [{ sku: 'BOOK-1843', quantity: 1, unitPrice: { amountMinor, currencyCode: 'EUR' } }] },
      user.authorization,
    );
    expect(response.status).toBe(201);
    return response.body;
  }

  /** A GraphQL request, as the admin unless another caller is given. */
  const graphql = <Data>(query: string, variables?: Record<string, unknown>, caller: SignedUpUser = admin) =>
    gateway.post<GraphqlResponse<Data>>('/graphql', { query, variables }, caller.authorization);

  /** gRPC calls each service has served so far, by RPC, read from its Prometheus counters. */
  async function grpcCallCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const port of [ports.userServiceHttp, ports.orderServiceHttp]) {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
      for (const line of metrics.split('\n')) {
        const match = /^requests_total\{(.*)\} (\d+)$/.exec(line);
        if (match === null || !match[1]?.includes('transport="grpc"')) continue;
        const rpc = /route="[A-Za-z]+\.([A-Za-z]+)"/.exec(match[1])?.[1];
        if (rpc !== undefined) counts.set(rpc, (counts.get(rpc) ?? 0) + Number(match[2]));
      }
    }
    return counts;
  }

  /** The gRPC calls `action` caused, by RPC: nothing else calls the services while it runs. */
  async function grpcCallsDuring(action: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await grpcCallCounts();
    await action();
    const after = await grpcCallCounts();
    return Object.fromEntries([...after].map(([rpc, count]) => [rpc, count - (before.get(rpc) ?? 0)]).filter(([, calls]) => calls !== 0));
  }

  describe('OpenAPI', () => {
    it('serves the document at /docs/openapi.json and the UI at /docs', async () => {
      const document = await gateway.get<{ openapi: string; paths: Record<string, unknown> }>('/docs/openapi.json');
      const ui = await fetch(`${system.gatewayUrl}/docs`);

      expect(document.status).toBe(200);
      expect(document.body.openapi).toMatch(/^3\./);
      expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/users', '/users/{id}', '/orders', '/graphql']));
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger-ui');
    });
  });

  describe('route parameters', () => {
    it('answers an :id that is not a UUID with 400 problem+json naming the field, and calls no service', async () => {
      const responses: JsonResponse<{ code: string; errors: unknown[] }>[] = [];
      const calls = await grpcCallsDuring(async () => {
        for (const path of ['/users/not-a-uuid', '/users/42/orders', '/orders/0000/history']) {
          responses.push(await gateway.get<{ code: string; errors: unknown[] }>(path, admin.authorization));
        }
      });

      for (const response of responses) {
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'id', message: 'must be a UUID' }] });
      }
      expect(calls).toEqual({});
    });
  });

  describe('conditional GET', () => {
    it('tags a GET with a strong ETag and private, no-cache, and answers 304 to a matching If-None-Match', async () => {
      const user = await createUser('Ada Lovelace');

      const asUser = (headers: Record<string, string> = {}) => gateway.get(`/users/${user.id}`, { ...user.authorization, ...headers });
      const first = await asUser();
      const etag = first.headers.get('etag') ?? '';
      const exact = await asUser({ 'if-none-match': etag });
      const weak = await asUser({ 'if-none-match': `W/${etag}` });
      const inList = await asUser({ 'if-none-match': `"something-else", ${etag}` });
      const other = await asUser({ 'if-none-match': '"something-else"' });

      expect(first.status).toBe(200);
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');
      expect(first.headers.get('vary')).toContain('Authorization');
      expect([exact.status, weak.status, inList.status, other.status]).toEqual([304, 304, 304, 200]);
      expect(exact.body).toEqual({});
      expect(exact.headers.get('etag')).toBe(etag);
      expect(other.headers.get('etag')).toBe(etag);
    });

    it('gives a new ETag and a 200 once the resource changed', async () => {
      const user = await createUser('Grace Hopper');
      const before = await gateway.get(`/users/${user.id}`, user.authorization);
      const staleTag = before.headers.get('etag') ?? '';

      await placeOrder(user, 990);
      const after = await eventually(
        () =>
          gateway.get<{ orderStatistics: { ordersCount: number } }>(`/users/${user.id}`, {
            ...user.authorization,
            'if-none-match': staleTag,
          }),
        (response) => response.status === 200,
        { description: 'the order statistics to change the user', timeoutMs: 30_000 },
      );

      expect(after.body.orderStatistics.ordersCount).toBe(1);
      expect(after.headers.get('etag')).not.toBe(staleTag);
    });

    it('tags lists and orders too, and never a write or an error', async () => {
      const user = await createUser('Barbara Liskov');
      const order = await placeOrder(user, 100);

      const responses = await Promise.all([
        gateway.get(`/users/${user.id}/orders`, user.authorization),
        gateway.get('/users?limit=2', admin.authorization),
        gateway.get(`/orders/${order.id}`, user.authorization),
      ]);
      const created = await gateway.post('/users', {
        email: `api+${randomUUID()}@example.com`,
        name: 'Write',
        password: `pw-${randomUUID()}`,
      });
      const missing = await gateway.get(`/orders/${randomUUID()}`, user.authorization);

      for (const response of responses) expect(response.headers.get('etag')).toMatch(/^"/);
      expect(created.headers.get('etag')).toBeNull();
      expect(missing.headers.get('etag')).toBeNull();
    });
  });

  describe('GraphQL', () => {
    const userWithOrders = `id name orderStatistics { ordersCount totalSpent { amountMinor currencyCode } } orders(first: 5) { items { id total { amountMinor currencyCode } } nextCursor }`;

    it('loads N users with their orders and statistics in one batch call per service, not N + 1', async () => {
      // One at a time: each sign-up hashes a password with a memory-hard KDF, slow on purpose.
      const users: SignedUpUser[] = [];
      for (let index = 0; index < 8; index += 1) users.push(await createUser(`Batch ${index}`));
      for (const user of users) await placeOrder(user, 500);
      const query = `{ ${users.map((user, index) => `u${index}: user(id: "${user.id}") { ${userWithOrders} }`).join(' ')} }`;

      let response: Awaited<ReturnType<typeof graphql<Record<string, { id: string; orders: OrderPage }>>>> | undefined;
      const calls = await grpcCallsDuring(async () => {
        response = await graphql<Record<string, { id: string; orders: OrderPage }>>(query);
      });

      expect(response?.status).toBe(200);
      expect(response?.body.errors).toBeUndefined();
      const answered = Object.values(response?.body.data ?? {});
      expect(answered.map((user) => user.id).sort()).toEqual(users.map((user) => user.id).sort());
      for (const user of answered) expect(user.orders.items).toHaveLength(1);
      expect(calls).toEqual({ batchGetUsers: 1, batchListOrdersByUser: 1 });
    });

    it('pages users with orders and statistics in three calls, however many users the page holds', async () => {
      for (let index = 0; index < 3; index += 1) await createUser(`Page ${index}`);
      let response: Awaited<ReturnType<typeof graphql<{ users: { items: unknown[]; nextCursor: string | null } }>>> | undefined;

      const calls = await grpcCallsDuring(async () => {
        response = await graphql<{ users: { items: unknown[]; nextCursor: string | null } }>(
          `{ users(first: 50) { items { ${userWithOrders} } nextCursor } }`,
        );
      });

      expect(response?.body.errors).toBeUndefined();
      expect(response?.body.data?.users.items.length).toBeGreaterThanOrEqual(3);
      expect(calls).toEqual({ listUsers: 1, batchGetUsers: 1, batchListOrdersByUser: 1 });
    });

    it('pages with cursors: after takes the nextCursor of the previous page', async () => {
      const user = await createUser('Cursor');
      const placed = [await placeOrder(user, 1), await placeOrder(user, 2), await placeOrder(user, 3)];
      const page = (after: string | null) =>
        graphql<{ user: { orders: OrderPage } }>(
          'query ($id: ID!, $after: String) { user(id: $id) { orders(first: 2, after: $after) { items { id } nextCursor } } }',
          { id: user.id, after },
        );

      const first = await page(null);
      const second = await page(first.body.data?.user.orders.nextCursor ?? null);

      expect(first.body.data?.user.orders.items.map((order) => order.id)).toEqual([placed[2]?.id, placed[1]?.id]);
      expect(second.body.data?.user.orders.items.map((order) => order.id)).toEqual([placed[0]?.id]);
      expect(second.body.data?.user.orders.nextCursor).toBeNull();
    });

    it('answers null for an unknown id, and errors with the domain code and the field for bad input', async () => {
      const unknown = await graphql<{ user: unknown; order: unknown }>(
        `{ user(id: "${randomUUID()}") { id } order(id: "${randomUUID()}") { id } }`,
      );
      const badId = await graphql("{ user(id: \"1' OR '1'='1\") { id } }");
      const badCursor = await graphql(`
        {
          users(first: 2, after: "bm90LWEtY3Vyc29y") {
            nextCursor
          }
        }
      `);
      const badPageSize = await graphql(`
        {
          users(first: 1000) {
            nextCursor
          }
        }
      `);
      const syntax = await graphql('{ users(first: 2) { items { id }');
      const unknownField = await graphql('{ users { items { password } } }');

      expect(unknown.body).toEqual({ data: { user: null, order: null } });
      expect(badId.body.errors?.[0]?.extensions).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'id', message: 'must be a UUID' }],
      });
      expect(badCursor.body.errors?.[0]?.extensions).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ field: 'after' })],
      });
      expect(badPageSize.body.errors?.[0]?.extensions).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [expect.objectContaining({ field: 'first' })],
      });
      for (const response of [badId, badCursor, badPageSize, syntax, unknownField]) {
        expect(response.status).toBe(200);
        expect(response.body.errors?.[0]?.extensions.code).toBe('VALIDATION_FAILED');
      }
    });

    it('acts for the caller: another user is null, as if unknown, and listing users is for admins', async () => {
      const [ada, grace] = [await createUser('Ada'), await createUser('Grace')];
      await placeOrder(grace, 700);

      const own = await graphql<{ user: { id: string } | null }>(`{ user(id: "${ada.id}") { id } }`, undefined, ada);
      const others = await graphql<{ user: unknown }>(
        `{ user(id: "${grace.id}") { id orders(first: 5) { items { id } } } }`,
        undefined,
        ada,
      );
      const list = await graphql('{ users(first: 5) { nextCursor } }', undefined, ada);
      const anonymous = await gateway.post('/graphql', { query: '{ users(first: 1) { nextCursor } }' });

      expect(own.body.data?.user?.id).toBe(ada.id);
      expect(others.body).toEqual({ data: { user: null } });
      expect(list.body.errors?.[0]?.extensions.code).toBe('PERMISSION_DENIED');
      expect(anonymous.status).toBe(401);
    });

    it('answers a body that is not a GraphQL request with 400 problem+json naming the field', async () => {
      const response = await gateway.post<{ errors?: { field: string }[] }>('/graphql', { variables: {} }, admin.authorization);

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors?.map((error) => error.field)).toContain('query');
    });

    it('rejects a request that fans out over too many root fields', async () => {
      const query = `{ ${Array.from({ length: 11 }, (_, index) => `u${index}: users(first: 1) { nextCursor }`).join(' ')} }`;

      const calls = await grpcCallsDuring(() => graphql(query));
      const response = await graphql(query);

      expect(response.body.errors?.[0]?.message).toContain('at most 10 root fields');
      expect(calls).toEqual({});
    });
  });
});
