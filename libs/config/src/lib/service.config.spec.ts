import { z } from 'zod';
import { ConfigValidationError, loadConfig } from './load-config';
import { grpcClientSchema, grpcServiceAddress } from './service.config';

describe('grpcServiceAddress', () => {
  const schema = z.object({ USER_SERVICE_URL: grpcServiceAddress() });
  const load = (value: string) => loadConfig(schema, { USER_SERVICE_URL: value }).USER_SERVICE_URL;

  it.each([
    ['one instance by name', 'user-service:50051', 'user-service:50051'],
    ['a list of instances', '127.0.0.1:50051, 127.0.0.1:50061', '127.0.0.1:50051,127.0.0.1:50061'],
    ['a DNS name with one address per instance', 'dns:///user-service:50051', 'dns:///user-service:50051'],
  ])('accepts %s', (_case, value, expected) => {
    expect(load(value)).toBe(expected);
  });

  it.each([
    ['a URL', 'http://user-service'],
    ['a list of names, which nothing would resolve', 'user-1:50051,user-2:50051'],
    ['a port-less entry', '127.0.0.1:50051,127.0.0.1'],
  ])('rejects %s', (_case, value) => {
    expect(() => load(value)).toThrow(ConfigValidationError);
  });
});

describe('grpcClientSchema', () => {
  it('retries three times by default and accepts at most five attempts, the limit of grpc-js', () => {
    expect(loadConfig(grpcClientSchema, {})).toEqual({ GRPC_DEADLINE_MS: 2_000, GRPC_RETRY_MAX_ATTEMPTS: 3 });
    expect(() => loadConfig(grpcClientSchema, { GRPC_RETRY_MAX_ATTEMPTS: '6' })).toThrow(ConfigValidationError);
  });
});
