import { ConfigValidationError } from '@workshop/config';
import { composeServiceEnvironment } from '@workshop/testing';
import { loadUserServiceConfig } from './user-service.config';

describe('user-service configuration', () => {
  it('runs against the local infrastructure with no variable set', () => {
    const config = loadUserServiceConfig({});

    expect(config).toMatchObject({
      GRPC_LISTEN_ADDRESS: '127.0.0.1:50051',
      HTTP_PORT: 9101,
      HTTP_HOST: '127.0.0.1',
      KAFKA_BROKERS: ['127.0.0.1:19092'],
    });
  });

  it('accepts what docker-compose.yml gives it', () => {
    const config = loadUserServiceConfig(composeServiceEnvironment('user-service'));

    expect(config.GRPC_LISTEN_ADDRESS).toBe('0.0.0.0:50051');
    expect(config.KAFKA_BROKERS.every((broker) => !broker.startsWith('127.0.0.1'))).toBe(true);
  });

  it('reads the admin emails as a list, and none by default', () => {
    expect(loadUserServiceConfig({}).ADMIN_EMAILS).toEqual([]);
    expect(loadUserServiceConfig({ ADMIN_EMAILS: 'ada@example.com, grace@example.com' }).ADMIN_EMAILS).toEqual([
      'ada@example.com',
      'grace@example.com',
    ]);
    expect(() => loadUserServiceConfig({ ADMIN_EMAILS: 'not-an-email' })).toThrow(/ADMIN_EMAILS/);
  });

  it('lists every bad variable at once', () => {
    const load = () => loadUserServiceConfig({ HTTP_PORT: '70000', DATABASE_PRIMARY_URL: 'mysql://x', USER_CACHE_TTL_SECONDS: '-5' });

    expect(load).toThrow(ConfigValidationError);
    expect(load).toThrow(/HTTP_PORT[\s\S]*DATABASE_PRIMARY_URL|DATABASE_PRIMARY_URL[\s\S]*HTTP_PORT/);
    expect(load).toThrow(/USER_CACHE_TTL_SECONDS/);
  });
});
