import { ConfigValidationError } from '@workshop/config';
import { composeServiceEnvironment } from '@workshop/testing';
import { loadGatewayConfig } from './gateway.config';

describe('gateway configuration', () => {
  it('listens on 3000 and finds the services on this machine with no variable set', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      HTTP_PORT: 3000,
      USER_SERVICE_URL: '127.0.0.1:50051',
      ORDER_SERVICE_URL: '127.0.0.1:50052',
      GRPC_DEADLINE_MS: 2000,
    });
  });

  it('accepts what docker-compose.yml gives it', () => {
    expect(loadGatewayConfig(composeServiceEnvironment('gateway'))).toMatchObject({
      HTTP_HOST: '0.0.0.0',
      USER_SERVICE_URL: 'user-service:50051',
      ORDER_SERVICE_URL: 'order-service:50052',
    });
  });

  it('rejects a zero deadline and an unknown log level', () => {
    expect(() => loadGatewayConfig({ GRPC_DEADLINE_MS: '0', LOG_LEVEL: 'loud' })).toThrow(ConfigValidationError);
  });
});
