import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger } from '@workshop/observability';

/** The project's own Redis and Memcached (started by the Jest global setup), shifted by WORKSHOP_PORT_OFFSET. */
export const infrastructure = loadInfrastructureConfig();
export const redisUrl = infrastructure.redis.url;
export const memcachedServers = infrastructure.memcached.servers.join(',');
export const testLogger = createLogger('cache-test', 'silent');

/** Retries `probe` until it resolves: a freshly started client needs a moment to connect. */
export async function eventually<T>(probe: () => Promise<T>, { timeoutMs = 10_000, intervalMs = 25 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
