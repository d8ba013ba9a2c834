import { type CallOptions, Metadata, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { DomainError, toGrpcError, NotFoundError } from '@workshop/errors';
import type { ClientGrpc } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { type UnaryCall, callUnary, unaryCalls } from './grpc-client';
import { type InboundCall, inboundCallContext } from './deadline';

/** A unary method that answers `response`, or fails with `error`, as grpc-js calls back. */
function answering<Request, Response>(response: (request: Request) => Response): UnaryCall<Request, Response> {
  return (request, _metadata, _options, callback) => callback(null, response(request));
}
function failingWith(error: Partial<ServiceError>): UnaryCall<unknown, never> {
  return (_request, _metadata, _options, callback) => callback(error as ServiceError);
}

describe('callUnary', () => {
  const handling = (deadline: number) => ({ getDeadline: () => deadline }) as unknown as InboundCall;

  it('asks for its own deadline, cut to what is left of the call being handled', async () => {
    const seen: CallOptions[] = [];
    const method: UnaryCall<{ id: string }, { echoed: string }> = (request, _metadata, options, callback) => {
      seen.push(options);
      callback(null, { echoed: request.id });
    };
    const before = Date.now();

    const response = await callUnary(method, { id: '42' }, { deadlineMs: 1_500 });
    await inboundCallContext.run(handling(before + 300), () => callUnary(method, { id: '43' }, { deadlineMs: 1_500 }));

    expect(response).toEqual({ echoed: '42' });
    expect(Number(seen[0]?.deadline)).toBeGreaterThanOrEqual(before + 1_500);
    expect(Number(seen[0]?.deadline)).toBeLessThan(before + 5_000);
    expect(seen[1]?.deadline).toBe(before + 300);
  });

  it('sends nothing for a call being handled whose deadline has passed', async () => {
    const method = jest.fn(answering(() => ({})));

    const failure = await inboundCallContext
      .run(handling(Date.now() - 1), () => callUnary(method, {}, { deadlineMs: 1_000 }))
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(method).not.toHaveBeenCalled();
  });

  it('turns a gRPC status into the shared error vocabulary', async () => {
    const sent = toGrpcError(new NotFoundError('User', '42'));
    const method = failingWith({ ...sent, message: `${sent.code} ${sent.details}` });

    await expect(callUnary(method, {}, { deadlineMs: 100 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'User 42 was not found' });
  });

  it('reports a peer that is down as UNAVAILABLE without its address', async () => {
    const method = failingWith({ code: GrpcStatus.UNAVAILABLE, details: 'connect ECONNREFUSED 10.0.0.7:50051', metadata: new Metadata() });

    const failure = await callUnary(method, {}, { deadlineMs: 100 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE' });
    expect((failure as Error).message).not.toContain('10.0.0.7');
  });
});

describe('unaryCalls', () => {
  it('calls the grpc-js client Nest built for the service, bound to it', async () => {
    class EchoClient {
      readonly prefix = 'echo:';
      echo(
        request: { text: string },
        _metadata: Metadata,
        _options: CallOptions,
        callback: (error: null, response: { text: string }) => void,
      ) {
        callback(null, { text: this.prefix + request.text });
      }
    }
    const client = { getClientByServiceName: jest.fn(() => new EchoClient()) } as unknown as ClientGrpc;
    interface EchoService {
      echo(request: { text: string }, metadata?: Metadata): Observable<{ text: string }>;
    }

    const calls = unaryCalls<EchoService>(client, 'EchoService');

    await expect(callUnary(calls.echo, { text: 'hi' })).resolves.toEqual({ text: 'echo:hi' });
    expect(client.getClientByServiceName).toHaveBeenCalledWith('EchoService');
  });
});
