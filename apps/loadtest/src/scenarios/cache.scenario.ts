import { defineScenario } from '../scenario/scenario';

/** Cache-aside off vs on under Zipf reads: the hot users are served from Redis. */
export const cacheScenario = defineScenario({
  name: 'cache',
  title: 'Cache-aside: off vs on',
  question: 'With Zipf-distributed reads, what does the user cache buy in throughput, p99 and database load?',
  configurations: [
    { name: 'cache off', env: { CACHE_ENABLED: 'false' } },
    { name: 'cache on', env: { CACHE_ENABLED: 'true' } },
  ],
  workload: { mix: { 'get-user': 95, 'place-order': 5 }, keys: { kind: 'zipf', exponent: 1.1 } },
  seed: { users: 2000, ordersPerUser: 0 },
  arrival: { kind: 'open', stages: [{ ratePerSecond: 400, durationSeconds: 60 }] },
  warmUpSeconds: 10,
  figures: ['throughput', 'p50', 'p99', 'p999', 'error-share', 'cache-hit-ratio', 'primary-queries-per-second', 'service-cpu'],
});
