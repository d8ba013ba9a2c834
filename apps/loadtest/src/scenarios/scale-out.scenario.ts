import { defineScenario, type CapacityModel } from '../scenario/scenario';

/**
 * Each instance serves at most 8 requests at once, 20 ms each (400 req/s): a small server on a
 * big machine. Without it, every instance shares the same 2 cores and adding one shows nothing.
 */
const capacity: CapacityModel = { maxConcurrency: 8, serviceTimeMs: 20 };

/** 1, 2 and 4 instances of user-service behind the gateway, closed loop: how far does it scale? */
export const scaleOutScenario = defineScenario({
  name: 'scale-out',
  title: 'Scale-out: 1, 2 and 4 user-service instances',
  question: 'How does throughput grow with user-service instances (with the capacity model), and how efficiently?',
  configurations: [1, 2, 4].map((count) => ({
    name: `${count} instance${count === 1 ? '' : 's'}`,
    instances: { 'user-service': count },
    capacity,
    env: { CACHE_ENABLED: 'true' },
  })),
  workload: { mix: { 'get-user': 100 }, keys: { kind: 'zipf', exponent: 1 } },
  seed: { users: 500, ordersPerUser: 0 },
  // Enough users to keep four instances' 32 slots busy: the instances, not the clients, limit it.
  arrival: { kind: 'closed', users: 64, durationSeconds: 45, thinkTimeMs: 0 },
  warmUpSeconds: 10,
  figures: ['throughput', 'scaling-efficiency', 'p50', 'p99', 'error-share', 'service-cpu'],
  scalingAxis: { label: 'user-service instances', valueOf: (configuration) => configuration.instances?.['user-service'] ?? 1 },
});
