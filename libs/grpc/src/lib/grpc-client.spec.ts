import { type CallOptions, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { DomainError, toGrpcError, NotFoundError } from '@workshop/errors';
import { runWithCorrelationId } from '@workshop/observability';
import { of, throwError } from 'rxjs';
import { callUnary } from './grpc-client';

describe('callUnary', () => {
  it('sends the correlation id and a deadline with every call', async () => {
    const seen: { metadata?: Metadata; options?: CallOptions } = {};
    const method = (request: { id: string }, metadata?: Metadata, options?: CallOptions) => {
      Object.assign(seen, { metadata, options });
      return of({ echoed: request.id });
    };
    const before = Date.now();

    const response = await runWithCorrelationId('trace-7', () => callUnary(method, { id: '42' }, { deadlineMs: 1_500 }));

    expect(response).toEqual({ echoed: '42' });
    expect(seen.metadata?.get('x-correlation-id')).toEqual(['trace-7']);
    expect(Number(seen.options?.deadline)).toBeGreaterThanOrEqual(before + 1_500);
    expect(Number(seen.options?.deadline)).toBeLessThan(before + 5_000);
  });

  it('turns a gRPC status into the shared error vocabulary', async () => {
    const sent = toGrpcError(new NotFoundError('User', '42'));
    const method = () => throwError(() => ({ ...sent, message: `${sent.code} ${sent.details}` }));

    await expect(callUnary(method, {}, { deadlineMs: 100 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'User 42 was not found' });
  });

  it('reports a peer that is down as UNAVAILABLE without its address', async () => {
    const method = () =>
      throwError(() => ({ code: GrpcStatus.UNAVAILABLE, details: 'connect ECONNREFUSED 10.0.0.7:50051', metadata: new Metadata() }));

    const failure = await callUnary(method, {}, { deadlineMs: 100 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE' });
    expect((failure as Error).message).not.toContain('10.0.0.7');
  });
});
