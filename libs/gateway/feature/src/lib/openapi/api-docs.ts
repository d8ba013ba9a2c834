import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH } from './api-responses';

/** Where the docs are served: the UI at /docs, the document at /docs/openapi.json. */
export const API_DOCS_PATH = '/docs';
export const OPENAPI_DOCUMENT_PATH = '/docs/openapi.json';

/**
 * The OpenAPI 3 document of the gateway, generated from the code: routes from the controllers,
 * parameters and bodies from the validated DTO classes, answers from the presenter classes and
 * the `Api*` decorators (api-responses.ts). It cannot drift from the routes, and a test checks
 * that every route the application registers is in it.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Scaling microservices: gateway API')
    .setDescription(
      'The public edge of the system. Errors are RFC 9457 `application/problem+json` with a stable `code`. ' +
        'GET answers carry an ETag and `Cache-Control: private, no-cache`; send the ETag back in If-None-Match to get a bodiless 304. ' +
        'Lists are cursor-paged: pass `nextCursor` as `cursor`. POST /graphql serves the same data as a GraphQL schema. ' +
        'Order status changes are pushed over a WebSocket at `/order-updates` (not an HTTP operation, so not listed below): ' +
        'authenticate with the same bearer token (Authorization header, or the subprotocol `bearer.<token>` next to `order-updates.v1`), ' +
        'send `{"event":"subscribe","data":{}}`, and receive `order.status-changed` frames; see the gateway README for resuming.',
    )
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A short-lived access token from POST /auth/token.' },
      BEARER_AUTH,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  describeOperationsRoutes(document);
  return document;
}

/**
 * Serves the UI at /docs and the JSON at /docs/openapi.json. The UI's scripts and styles come
 * from the swagger-ui-dist package, served by this process: the docs work with no Internet access.
 */
export function serveApiDocs(app: INestApplication): void {
  SwaggerModule.setup(API_DOCS_PATH, app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_DOCUMENT_PATH,
    raw: ['json'],
    customSiteTitle: 'Gateway API',
  });
}

/**
 * /health and /metrics come from the observability library, which every process shares and which
 * knows nothing of OpenAPI; they are described here. None needs a token: probes and the
 * Prometheus scraper carry none.
 */
const OPERATIONS_ROUTES: Record<string, { summary: string; responses: Record<string, { description: string }> }> = {
  '/health/live': { summary: 'Liveness: the process is up.', responses: { '200': { description: '`{"status":"ok"}`' } } },
  '/health/ready': {
    summary: 'Readiness: both services answer; route traffic here only when 200.',
    responses: { '200': { description: '`{"status":"ok","checks":{...}}`' }, '503': { description: 'A service does not answer.' } },
  },
  '/metrics': { summary: 'Prometheus metrics.', responses: { '200': { description: 'Prometheus text format.' } } },
};

function describeOperationsRoutes(document: OpenAPIObject): void {
  for (const [path, description] of Object.entries(OPERATIONS_ROUTES)) {
    const operation = document.paths[path]?.get;
    if (operation === undefined) continue;
    Object.assign(operation, { ...description, tags: ['operations'], security: [] });
  }
}
