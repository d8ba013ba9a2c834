import { defineScenario } from '../scenario/scenario';

/** Offered load well above the gateway's limit: the limiter should hold the accepted rate and shed the rest. */
export const rateLimitScenario = defineScenario({
  name: 'rate-limit',
  title: 'Rate limiting: off vs on, above the limit',
  question: 'Offered more than the limit, does the gateway hold the accepted rate, answer the rest 429, and protect the services?',
  configurations: [
    { name: 'rate limit off', env: { RATE_LIMIT_ENABLED: 'false' } },
    { name: 'rate limit on', env: { RATE_LIMIT_ENABLED: 'true' } },
  ],
  workload: { mix: { 'get-user': 90, 'place-order': 10 }, keys: { kind: 'zipf', exponent: 1 } },
  seed: { users: 200, ordersPerUser: 0 },
  arrival: { kind: 'open', stages: [{ ratePerSecond: 800, durationSeconds: 45 }] },
  warmUpSeconds: 5,
  figures: ['throughput', 'achieved-rate', 'rejected-share', 'gateway-429s', 'p50', 'p99', 'error-share', 'service-cpu'],
});
