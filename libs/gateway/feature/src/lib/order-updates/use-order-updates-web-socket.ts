import { type INestApplication } from '@nestjs/common';
import { OrderUpdatesWsAdapter } from './order-updates.ws-adapter';

/**
 * Serves the order-updates WebSocket on the application's own HTTP server (same port as the REST
 * API). Call before `init`/`listen`, when GatewayModule has order updates enabled.
 */
export function useOrderUpdatesWebSocket(app: INestApplication): void {
  app.useWebSocketAdapter(new OrderUpdatesWsAdapter(app));
}
