import { defineScenario } from '../scenario/scenario';

/**
 * Placing orders when a downstream step (the credit check) is slow: the synchronous chain holds
 * POST /orders open for it; the Kafka saga answers at once and finishes the order later.
 *
 * The rate is chosen so that the comparison is about latency, not overload: 40 orders/s. The
 * saga's credit step decides each partition's fetched orders together (a batch handler in
 * user-service), so one 100 ms wait serves a whole batch; one order at a time it would settle at
 * most 60 orders/s (6 partitions, 100 ms each), and 40/s would already queue. Offered more than
 * its capacity, the saga still answers POST /orders at once, but its consumer lag, and so the
 * time to a final state, grows for as long as the overload lasts.
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
  // 80% of 50 req/s: 40 orders/s (see above).
  arrival: { kind: 'open', stages: [{ ratePerSecond: 50, durationSeconds: 60 }] },
  warmUpSeconds: 10,
  figures: ['throughput', 'p99', 'place-order-p99', 'order-settlement-p99', 'error-share', 'consumer-lag', 'outbox-backlog'],
});
