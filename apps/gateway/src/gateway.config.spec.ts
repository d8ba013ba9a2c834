import { ConfigValidationError } from '@workshop/config';
import { composeServiceEnvironment } from '@workshop/testing';
import { DEVELOPMENT_ONLY_JWT_SECRET, loadGatewayConfig } from './gateway.config';

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

  it('signs tokens with the development secret only outside production', () => {
    expect(loadGatewayConfig({}).JWT_SECRET).toBe(DEVELOPMENT_ONLY_JWT_SECRET);
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(loadGatewayConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).JWT_SECRET).toBe('x'.repeat(32));
  });

  it('limits rates by default, against the Redis of the local stack, and can be switched off', () => {
    expect(loadGatewayConfig({ WORKSHOP_PORT_OFFSET: '400' })).toMatchObject({
      RATE_LIMIT_ENABLED: true,
      REDIS_URL: 'redis://127.0.0.1:16779',
    });
    expect(loadGatewayConfig({ RATE_LIMIT_ENABLED: 'false' }).RATE_LIMIT_ENABLED).toBe(false);
    expect(() => loadGatewayConfig({ RATE_LIMIT_PER_USER_BURST: '0' })).toThrow(/RATE_LIMIT_PER_USER_BURST/);
  });

  it('serves order updates by default, from the local Kafka, with a bounded replay buffer', () => {
    expect(loadGatewayConfig({ WORKSHOP_PORT_OFFSET: '400' })).toMatchObject({
      ORDER_UPDATES_ENABLED: true,
      KAFKA_BROKERS: ['127.0.0.1:19492'],
      ORDER_UPDATES_REPLAY_EVENTS_PER_USER: 20,
      ORDER_UPDATES_REPLAY_MAX_USERS: 10_000,
    });
    expect(loadGatewayConfig(composeServiceEnvironment('gateway')).KAFKA_BROKERS).toEqual(['kafka:9092']);
    expect(loadGatewayConfig({ ORDER_UPDATES_ENABLED: 'false' }).ORDER_UPDATES_ENABLED).toBe(false);
    expect(() => loadGatewayConfig({ ORDER_UPDATES_REPLAY_EVENTS_PER_USER: '0' })).toThrow(/ORDER_UPDATES_REPLAY_EVENTS_PER_USER/);
    expect(() => loadGatewayConfig({ ORDER_UPDATES_REPLAY_MAX_USERS: '5000000' })).toThrow(/ORDER_UPDATES_REPLAY_MAX_USERS/);
  });

  it('rejects a secret too short to resist guessing', () => {
    expect(() => loadGatewayConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });

  it('rejects a zero deadline and an unknown log level', () => {
    expect(() => loadGatewayConfig({ GRPC_DEADLINE_MS: '0', LOG_LEVEL: 'loud' })).toThrow(ConfigValidationError);
  });
});
