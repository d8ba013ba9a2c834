import { Metadata } from '@grpc/grpc-js';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { correlationIdContext } from '@workshop/observability';
import { defer, lastValueFrom, of } from 'rxjs';
import { type InboundCall, inboundCallContext, inboundDeadline } from './deadline';
import { GrpcContextInterceptor } from './grpc-context.interceptor';

describe('GrpcContextInterceptor', () => {
  /** What Nest hands an interceptor for a gRPC call: the handler's (request, metadata, call). */
  function rpcContext(metadata: Metadata, call: InboundCall): ExecutionContext {
    return {
      getType: () => 'rpc',
      switchToRpc: () => ({ getContext: () => metadata }),
      getArgByIndex: (index: number) => [{}, metadata, call][index],
    } as unknown as ExecutionContext;
  }

  it('runs the handler with the context from the metadata and the incoming call at hand', async () => {
    const metadata = new Metadata();
    metadata.set('x-correlation-id', 'corr-9');
    const deadline = Date.now() + 800;
    const call = { getDeadline: () => deadline } as unknown as InboundCall;
    // The handler reads the context when it runs, as a real one does: at subscription.
    const handler: CallHandler = {
      handle: () => defer(() => of({ correlationId: correlationIdContext.current(), deadline: inboundDeadline() })),
    };

    const seen = await lastValueFrom(new GrpcContextInterceptor().intercept(rpcContext(metadata, call), handler));

    expect(seen).toEqual({ correlationId: 'corr-9', deadline });
    expect(inboundCallContext.current()).toBeUndefined();
  });
});
