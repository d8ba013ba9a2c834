import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { DomainError, type ErrorCode, type FieldViolation } from '@workshop/errors';
import { CORRELATION_ID_HEADER, currentCorrelationId, type Logger } from '@workshop/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';

/** RFC 9457 problem details: the body of every error response the gateway sends. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  /** Stable, machine-readable: clients switch on this, never on `detail`. */
  code: string;
  correlationId: string;
  errors?: FieldViolation[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  // The request is well-formed but refers to something that does not exist (an unknown user in an order body).
  PRECONDITION_FAILED: 422,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 503,
  INTERNAL: 500,
};

const TITLE_BY_STATUS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * The HTTP edge of the error vocabulary: every error leaves the gateway as problem+json with a
 * status that tells the client what to do (fix the request, retry later), a stable code and the
 * correlation id to quote in a bug report. Nothing from an unexpected error's message leaks.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const correlationId = currentCorrelationId() ?? headerValue(request.headers[CORRELATION_ID_HEADER]) ?? randomUUID();
    const problem = toProblemDetails(exception, request.url.split('?')[0] ?? '/', correlationId);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, correlationId, status: problem.status, url: request.url }, 'Request failed');
    }
    if (problem.status === 503) void reply.header('retry-after', '1');
    if (problem.status === 401) void reply.header('www-authenticate', bearerChallenge(request.headers.authorization !== undefined));
    void reply
      .status(problem.status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .header(CORRELATION_ID_HEADER, correlationId)
      .send(problem);
  }
}

/**
 * The problem+json body of an error, for the HTTP answers and for the WebSocket upgrades the
 * gateway refuses: one vocabulary of statuses and codes at the edge.
 */
export function toProblemDetails(exception: unknown, instance: string, correlationId: string = randomUUID()): ProblemDetails {
  if (exception instanceof DomainError) {
    const status = exception.code === 'INTERNAL' ? 500 : HTTP_STATUS_BY_CODE[exception.code];
    return problem(
      status,
      exception.code,
      status === 500 ? 'Internal error' : exception.message,
      instance,
      correlationId,
      exception.violations,
    );
  }
  const status = clientErrorStatus(exception);
  if (status !== undefined) {
    return problem(status, codeForClientStatus(status), messageOf(exception), instance, correlationId);
  }
  // Raised on purpose by our own code (readiness): its message was written for the client.
  if (exception instanceof HttpException && exception.getStatus() === 503) {
    return problem(503, 'UNAVAILABLE', messageOf(exception), instance, correlationId);
  }
  return problem(500, 'INTERNAL', 'Internal error', instance, correlationId);
}

function problem(
  status: number,
  code: string,
  detail: string,
  instance: string,
  correlationId: string,
  violations: readonly FieldViolation[] = [],
): ProblemDetails {
  return {
    type: `/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLE_BY_STATUS[status] ?? 'Error',
    status,
    detail,
    instance,
    code,
    correlationId,
    ...(violations.length > 0 ? { errors: [...violations] } : {}),
  };
}

/**
 * The 4xx status of an error raised before a handler ran: Nest's HttpExceptions (unknown route,
 * 405) and Fastify's own errors (malformed JSON, body too large, unsupported content type), which
 * carry `statusCode`. Anything else, or any 5xx, is treated as unexpected.
 */
function clientErrorStatus(exception: unknown): number | undefined {
  const status =
    exception instanceof HttpException ? exception.getStatus() : (exception as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function codeForClientStatus(status: number): string {
  switch (status) {
    case 400:
      return 'VALIDATION_FAILED';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return 'BAD_REQUEST';
  }
}

function messageOf(exception: unknown): string {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
  }
  return exception instanceof Error ? exception.message : 'Bad request';
}

/**
 * RFC 6750 3.1: the challenge names the scheme, and says `invalid_token` only when a token was
 * sent (a request with no credentials at all gets the bare challenge).
 */
export function bearerChallenge(credentialsSent: boolean): string {
  return credentialsSent ? 'Bearer realm="workshop", error="invalid_token"' : 'Bearer realm="workshop"';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
