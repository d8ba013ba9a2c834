import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { API_DOCS_PATH, BEARER_AUTH, OPENAPI_DOCUMENT_PATH, PROBLEM_CONTENT_TYPE } from '@workshop/gateway-feature';
import { createGateway } from './gateway.app';
import { loadGatewayConfig } from './gateway.config';

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: { type?: string; format?: string } }[];
  security?: Record<string, string[]>[];
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** `/users/:id/orders` as OpenAPI writes it: `/users/{id}/orders`. */
const toOpenApiPath = (fastifyUrl: string) => fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * The gateway built in-process exactly as main.ts builds it (the services are not needed: gRPC
 * channels connect on first call). Every route Fastify registers is recorded as it registers, and
 * compared with the document the running application serves.
 */
describe('the OpenAPI document served at /docs/openapi.json', () => {
  let app: NestFastifyApplication;
  const registered: { method: string; url: string }[] = [];
  let document: OpenApiDocument;

  beforeAll(async () => {
    // Without the order-updates WebSocket: it registers no HTTP route, and its Kafka consumer is
    // the subject of order-updates.integration.ts, not of a test that runs without infrastructure.
    ({ app } = await createGateway(loadGatewayConfig({ LOG_LEVEL: 'silent', ORDER_UPDATES_ENABLED: 'false' }), { ownsProcess: false }));
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) registered.push({ method, url: route.url });
      });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    document = (await app.inject({ method: 'GET', url: OPENAPI_DOCUMENT_PATH })).json<OpenApiDocument>();
  }, 30_000);

  afterAll(async () => {
    await app?.close();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, method, operation })),
    );
  const apiOperations = () => operations().filter(({ operation }) => !operation.tags?.includes('operations'));

  it('documents every route the application registered', () => {
    // HEAD routes are Fastify's automatic twins of GET routes; /docs serves the document itself.
    const apiRoutes = registered.filter(({ method, url }) => method !== 'HEAD' && !url.startsWith(API_DOCS_PATH));
    const undocumented = apiRoutes
      .filter(({ method, url }) => document.paths[toOpenApiPath(url)]?.[method.toLowerCase()] === undefined)
      .map(({ method, url }) => `${method} ${url}`);

    expect(document.openapi).toMatch(/^3\./);
    expect(apiRoutes.map(({ method, url }) => `${method} ${url}`)).toEqual(
      expect.arrayContaining([
        'POST /users',
        'POST /auth/token',
        'GET /users/me',
        'GET /users/:id',
        'GET /orders/:id',
        'POST /graphql',
        'GET /health/ready',
      ]),
    );
    expect(undocumented).toEqual([]);
  });

  it('declares the bearer token scheme and requires it everywhere but sign-up, sign-in, health and metrics', () => {
    const open = operations()
      .filter(({ operation }) => !operation.security?.some((requirement) => BEARER_AUTH in requirement))
      .map(({ name }) => name)
      .sort();

    expect(document.components.securitySchemes[BEARER_AUTH]).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(open).toEqual(['GET /health/live', 'GET /health/ready', 'GET /metrics', 'POST /auth/token', 'POST /users']);
  });

  it('gives every API route its problem+json error answers (429, 500, 503), with 401 where a token is required', () => {
    for (const { name, operation } of apiOperations()) {
      const statuses = ['429', '500', '503', ...(operation.security?.length ? ['401'] : [])];
      for (const status of statuses) {
        expect({ name, status, body: operation.responses[status]?.content?.[PROBLEM_CONTENT_TYPE]?.schema.$ref }).toEqual({
          name,
          status,
          body: '#/components/schemas/ProblemDetailsJson',
        });
      }
    }
  });

  it('documents the 304 of every API GET', () => {
    const gets = apiOperations().filter(({ method }) => method === 'get');

    expect(gets.length).toBeGreaterThan(0);
    for (const { name, operation } of gets)
      expect({ name, statuses: Object.keys(operation.responses) }).toEqual({ name, statuses: expect.arrayContaining(['200', '304']) });
  });

  it('documents every :id route parameter once, as a required uuid in the path', () => {
    const withId = operations().filter(({ name }) => name.includes('{id}'));

    expect(withId.length).toBeGreaterThan(0);
    for (const { name, operation } of withId) {
      const idParameters = (operation.parameters ?? []).filter((parameter) => parameter.name === 'id');
      expect({ name, idParameters }).toEqual({
        name,
        idParameters: [expect.objectContaining({ in: 'path', required: true, schema: expect.objectContaining({ format: 'uuid' }) })],
      });
    }
  });

  it('serves the UI with its assets from this process, not from a CDN', async () => {
    const page = await app.inject({ method: 'GET', url: API_DOCS_PATH });
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url ?? '');

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const served = await app.inject({ method: 'GET', url: new URL(asset, `http://gateway${API_DOCS_PATH}`).pathname });
      expect({ asset, status: served.statusCode }).toEqual({ asset, status: 200 });
    }
  });
});
