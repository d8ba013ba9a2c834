import { ConfigValidationError } from '@workshop/config';
import { composeServiceEnvironment } from '@workshop/testing';
import { loadOrderServiceConfig } from './order-service.config';

describe('order-service configuration', () => {
  it('runs against the local infrastructure with no variable set', () => {
    expect(loadOrderServiceConfig({})).toMatchObject({
      GRPC_LISTEN_ADDRESS: '127.0.0.1:50052',
      HTTP_PORT: 9102,
      USER_SERVICE_URL: '127.0.0.1:50051',
    });
  });

  it('accepts what docker-compose.yml gives it', () => {
    const config = loadOrderServiceConfig(composeServiceEnvironment('order-service'));

    expect(config).toMatchObject({ GRPC_LISTEN_ADDRESS: '0.0.0.0:50052', USER_SERVICE_URL: 'user-service:50051' });
  });

  it('rejects an address that is not host:port', () => {
    expect(() => loadOrderServiceConfig({ USER_SERVICE_URL: 'http://user-service' })).toThrow(ConfigValidationError);
  });
});
