import { defineScenario } from '../scenario/scenario';

/**
 * Placing orders when a downstream step (the credit check) is slow: the synchronous chain holds
 * POST /orders open for it; the Kafka saga answers at once and finishes the order later.
 */
export const asyncScenario = defineScenario({
  name: 'async',
  title: 'Order processing: synchronous chain vs Kafka',
  question: 'With a slow credit check, what is the p99 of POST /orders, and how long until an order is final?',
  configurations: [
    { name: 'sync', env: { ORDER_PROCESSING_MODE: 'sync' }, serviceEnv: { 'user-service': { CREDIT_CHECK_DELAY_MS: '100' } } },
    { name: 'async', env: { ORDER_PROCESSING_MODE: 'async' }, serviceEnv: { 'user-service': { CREDIT_CHECK_DELAY_MS: '100' } } },
  ],
  workload: { mix: { 'place-order': 80, 'get-user': 20 }, keys: { kind: 'uniform' }, trackOrderSettlement: true },
  seed: { users: 500, ordersPerUser: 0 },
  arrival: { kind: 'open', stages: [{ ratePerSecond: 100, durationSeconds: 60 }] },
  warmUpSeconds: 10,
  figures: ['throughput', 'p99', 'place-order-p99', 'order-settlement-p99', 'error-share', 'consumer-lag', 'outbox-backlog'],
});
