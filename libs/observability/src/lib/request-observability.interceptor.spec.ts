import { type ExecutionContext } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { lastValueFrom, of, throwError } from 'rxjs';
import { requestDuration, requestsTotal } from './metrics';
import { RequestObservabilityInterceptor } from './request-observability.interceptor';

class UserGrpcController {
  getUser(): string {
    return 'stands for a handler';
  }
}

const rpcContext = {
  getType: () => 'rpc',
  getClass: () => UserGrpcController,
  getHandler: () => UserGrpcController.prototype.getUser,
} as unknown as ExecutionContext;

async function countOf(status: string): Promise<number> {
  const metric = await requestsTotal.get();
  return (
    metric.values.find(
      (value) =>
        value.labels.transport === 'grpc' &&
        value.labels.route === 'UserGrpcController.getUser' &&
        value.labels.method === 'unary' &&
        value.labels.status === status,
    )?.value ?? 0
  );
}

async function durationsOf(status: string): Promise<number> {
  const metric = await requestDuration.get();
  return (
    metric.values.find(
      (value) =>
        value.metricName === 'request_duration_seconds_count' &&
        value.labels.route === 'UserGrpcController.getUser' &&
        value.labels.status === status,
    )?.value ?? 0
  );
}

describe('RequestObservabilityInterceptor', () => {
  const interceptor = new RequestObservabilityInterceptor();

  it('counts and times a gRPC call by handler and status', async () => {
    const [okBefore, okDurationsBefore] = [await countOf('OK'), await durationsOf('OK')];

    await lastValueFrom(interceptor.intercept(rpcContext, { handle: () => of({ user: {} }) }));

    expect(await countOf('OK')).toBe(okBefore + 1);
    expect(await durationsOf('OK')).toBe(okDurationsBefore + 1);
  });

  it('records the status a mapped error leaves with', async () => {
    const before = await countOf('NOT_FOUND');
    const mapped = { getError: () => ({ code: GrpcStatus.NOT_FOUND, message: 'no such user' }) };

    await expect(lastValueFrom(interceptor.intercept(rpcContext, { handle: () => throwError(() => mapped) }))).rejects.toBe(mapped);

    expect(await countOf('NOT_FOUND')).toBe(before + 1);
  });
});
