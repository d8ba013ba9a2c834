import { defineScenario } from '../scenario/scenario';

/**
 * Read replicas off vs on, with one and two replicas, under a read-heavy load with writes.
 * Every read-your-write request creates a user and reads it back at once: a 404 is a stale read,
 * which read-after-write routing must never give.
 */
export const replicasScenario = defineScenario({
  name: 'replicas',
  title: 'Read replicas: off vs on, one and two',
  question: 'How much read load do replicas take off the primary, at what p99, and do session reads stay fresh?',
  configurations: [
    { name: 'replica reads off', env: { DB_REPLICA_READS_ENABLED: 'false', CACHE_ENABLED: 'false' } },
    { name: '1 replica', env: { DB_REPLICA_READS_ENABLED: 'true', CACHE_ENABLED: 'false' }, postgresReplicas: 1 },
    { name: '2 replicas', env: { DB_REPLICA_READS_ENABLED: 'true', CACHE_ENABLED: 'false' }, postgresReplicas: 2 },
    {
      name: '2 replicas, one lagging 1 s',
      env: { DB_REPLICA_READS_ENABLED: 'true', CACHE_ENABLED: 'false' },
      postgresReplicas: 2,
      faults: [{ kind: 'lag-replica', startSecond: 15, durationSeconds: 20 }],
    },
    {
      name: '2 replicas, one stopped',
      env: { DB_REPLICA_READS_ENABLED: 'true', CACHE_ENABLED: 'false' },
      postgresReplicas: 2,
      faults: [{ kind: 'stop-replica', startSecond: 15, durationSeconds: 20 }],
    },
  ],
  // The cache is off so reads reach the database: this scenario measures the replicas.
  workload: {
    mix: { 'get-user': 50, 'list-user-orders': 20, 'get-order': 15, 'read-your-write': 10, 'place-order': 5 },
    keys: { kind: 'uniform' },
  },
  seed: { users: 1000, ordersPerUser: 1 },
  arrival: { kind: 'open', stages: [{ ratePerSecond: 300, durationSeconds: 60 }] },
  warmUpSeconds: 10,
  figures: ['throughput', 'p50', 'p99', 'error-share', 'replica-read-share', 'primary-queries-per-second', 'stale-reads', 'service-cpu'],
});
