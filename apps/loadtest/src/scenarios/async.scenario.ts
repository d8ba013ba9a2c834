import { defineScenario } from '../scenario/scenario';

/**
 * Placing orders when a downstream step (the credit check) is slow: the synchronous chain holds
 * POST /orders open for it; the Kafka saga answers at once and finishes the order later.
 *
 * The rate is chosen below the saga's capacity. Its credit step handles one order at a time per
 * partition (that is what keeps one user's orders in order), so with 6 partitions and a 100 ms
 * step it settles at most 60 orders/s; 40 orders/s leaves room. Offered more, the saga still
 * answers POST /orders at once, but its consumer lag, and so the time to a final state, grows
 * for as long as the overload lasts: more partitions and instances, or a faster step, are the cure.
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
  // 80% of 50 req/s: 40 orders/s, under the saga's 60/s (see above).
  arrival: { kind: 'open', stages: [{ ratePerSecond: 50, durationSeconds: 60 }] },
  warmUpSeconds: 10,
  figures: ['throughput', 'p99', 'place-order-p99', 'order-settlement-p99', 'error-share', 'consumer-lag', 'outbox-backlog'],
});
