import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '@workshop/observability';

export const orderUpdatesConnections = new Gauge({
  name: 'order_updates_connections',
  help: 'Open order-updates WebSocket connections on this instance.',
  registers: [metricsRegistry],
});

export const orderUpdatesDeliveredTotal = new Counter({
  name: 'order_updates_delivered_total',
  help: 'Order status changes sent to WebSocket clients, live or replayed.',
  registers: [metricsRegistry],
});

export const orderUpdatesResumesTotal = new Counter<'result'>({
  name: 'order_updates_resumes_total',
  help: 'Subscriptions resuming after a last event id: replayed (what was missed was sent) or resync (the id was unknown here).',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export const orderUpdatesSlowClientsTotal = new Counter({
  name: 'order_updates_slow_clients_closed_total',
  help: 'Connections closed because the client read too slowly (its unsent data passed the bound).',
  registers: [metricsRegistry],
});
