import { type ArgumentsHost, NotFoundException, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { DomainError, NotFoundError, PermissionDeniedError, UnauthenticatedError, ValidationError } from '@workshop/errors';
import { createLogger } from '@workshop/observability';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails, ProblemDetailsFilter } from './problem-details.filter';

/** A Fastify reply that records what the filter sends. */
function recordingHost(url = '/users/42?x=1') {
  const sent: { status?: number; headers: Record<string, string>; body?: ProblemDetails } = { headers: {} };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return reply;
    },
    send(body: ProblemDetails) {
      sent.body = body;
      return reply;
    },
  };
  const request = { url, headers: { 'x-correlation-id': 'abc-123' } };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
  return { host, sent };
}

describe('ProblemDetailsFilter', () => {
  const filter = new ProblemDetailsFilter(createLogger('test', 'silent'));

  it('challenges a 401 with the Bearer scheme', () => {
    const { host, sent } = recordingHost();

    filter.catch(new UnauthenticatedError('An access token is required'), host);

    expect(sent.headers['www-authenticate']).toBe('Bearer realm="workshop"');
  });

  it.each([
    [new ValidationError([{ field: 'email', message: 'must be an email address' }]), 400, 'VALIDATION_FAILED'],
    [new NotFoundError('User', '42'), 404, 'NOT_FOUND'],
    [new DomainError('ALREADY_EXISTS', 'taken'), 409, 'ALREADY_EXISTS'],
    [new DomainError('PRECONDITION_FAILED', 'no such user'), 422, 'PRECONDITION_FAILED'],
    [new UnauthenticatedError('token expired'), 401, 'UNAUTHENTICATED'],
    [new PermissionDeniedError('admins only'), 403, 'PERMISSION_DENIED'],
    [new DomainError('RESOURCE_EXHAUSTED', 'slow down'), 429, 'RESOURCE_EXHAUSTED'],
    [new DomainError('UNAVAILABLE', 'down'), 503, 'UNAVAILABLE'],
    [new DomainError('DEADLINE_EXCEEDED', 'slow'), 503, 'DEADLINE_EXCEEDED'],
    [new NotFoundException('Cannot GET /x'), 404, 'NOT_FOUND'],
    [new PayloadTooLargeException(), 413, 'PAYLOAD_TOO_LARGE'],
    [Object.assign(new Error('Unsupported Media Type: text/xml'), { statusCode: 415 }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [new ServiceUnavailableException('Not ready'), 503, 'UNAVAILABLE'],
  ])('maps %p to %i problem+json with code %s', (error, status, code) => {
    const { host, sent } = recordingHost();

    filter.catch(error, host);

    expect(sent.status).toBe(status);
    expect(sent.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(sent.body).toMatchObject({ status, code, instance: '/users/42', correlationId: 'abc-123' });
  });

  it('names the invalid fields', () => {
    const { host, sent } = recordingHost();

    filter.catch(new ValidationError([{ field: 'lines[0].quantity', message: 'must be at least 1' }]), host);

    expect(sent.body?.errors).toEqual([{ field: 'lines[0].quantity', message: 'must be at least 1' }]);
  });

  it('answers an unexpected error with a 500 that leaks nothing', () => {
    const { host, sent } = recordingHost();

    filter.catch(new TypeError("Cannot read properties of undefined (reading 'password')"), host);

    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ code: 'INTERNAL', detail: 'Internal error' });
    expect(JSON.stringify(sent.body)).not.toContain('password');
  });

  it('asks the client to retry after an outage', () => {
    const { host, sent } = recordingHost();

    filter.catch(new DomainError('UNAVAILABLE', 'down'), host);

    expect(sent.headers['retry-after']).toBe('1');
  });
});
