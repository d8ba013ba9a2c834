import { defineScenario } from '../scenario/scenario';

/**
 * Steady load while, in turn, Redis, a replica, the Kafka broker and a user-service instance go
 * away for a while and come back. The timeline shows each window; the figures show what it cost.
 */
export const faultsScenario = defineScenario({
  name: 'faults',
  title: 'Faults under steady load',
  question: 'When Redis, a replica, Kafka or a service instance fails for a while, what happens to errors and p99, and is anything lost?',
  configurations: [
    {
      // One instance, so its kill is a whole service gone for the window: the gateway's 503s and
      // the saga's retries show. With several instances (USER_SERVICE_URL as a list), set 2 here
      // to watch the balancer route around the dead one instead.
      name: 'faults',
      faults: [
        { kind: 'stop-redis', startSecond: 10, durationSeconds: 10 },
        { kind: 'stop-replica', startSecond: 30, durationSeconds: 10 },
        { kind: 'stop-kafka', startSecond: 50, durationSeconds: 15 },
        { kind: 'kill-user-service-instance', startSecond: 75, durationSeconds: 10 },
      ],
    },
  ],
  workload: {
    mix: { 'get-user': 60, 'list-user-orders': 10, 'place-order': 20, 'read-your-write': 10 },
    keys: { kind: 'zipf', exponent: 1 },
    trackOrderSettlement: true,
  },
  seed: { users: 300, ordersPerUser: 1 },
  arrival: { kind: 'open', stages: [{ ratePerSecond: 100, durationSeconds: 95 }] },
  warmUpSeconds: 5,
  figures: ['throughput', 'p50', 'p99', 'max', 'error-share', 'stale-reads', 'order-settlement-p99', 'outbox-backlog', 'consumer-lag'],
});
