import { defineScenario } from '../scenario/scenario';

/** Latency against offered rate: the ramp climbs until the p99 bends upwards (the knee). */
export const baselineScenario = defineScenario({
  name: 'baseline',
  title: 'Baseline: latency vs offered rate',
  question: 'Where is the knee: up to which offered rate does the default system keep its p99 low?',
  configurations: [{ name: 'default' }],
  // A shop's day: mostly reads of users and their orders, some orders placed, a few sign-ups.
  workload: {
    mix: { 'get-user': 50, 'list-user-orders': 15, 'get-order': 15, 'list-users': 5, 'place-order': 10, 'create-user': 5 },
    keys: { kind: 'zipf', exponent: 1 },
  },
  seed: { users: 500, ordersPerUser: 2 },
  arrival: {
    kind: 'open',
    stages: [50, 100, 200, 300, 400, 600].map((ratePerSecond) => ({ ratePerSecond, durationSeconds: 15 })),
  },
  warmUpSeconds: 10,
  figures: ['throughput', 'achieved-rate', 'p50', 'p99', 'p999', 'error-share', 'cache-hit-ratio', 'service-cpu', 'service-memory'],
});
