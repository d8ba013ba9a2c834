import { IsOptional, IsUUID } from 'class-validator';
import { type OrderStatusChangeJson } from '../presenters';

/**
 * The order-updates WebSocket protocol, version 1. Every frame is JSON `{ "event": …, "data": … }`
 * (the envelope of Nest's WsAdapter), in both directions.
 */
export const ORDER_UPDATES_PATH = '/order-updates';

/**
 * The subprotocol a client offers (`new WebSocket(url, ['order-updates.v1', 'bearer.<token>'])`)
 * and the server selects. Browsers cannot set an Authorization header on a WebSocket, so they
 * send the access token as a second offered subprotocol, which the server reads and never echoes.
 */
export const ORDER_UPDATES_SUBPROTOCOL = 'order-updates.v1';
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Client -> server. */
export const CLIENT_EVENTS = { subscribe: 'subscribe', unsubscribe: 'unsubscribe' } as const;

/** Server -> client. */
export const SERVER_EVENTS = {
  /** One status change of one of the caller's orders. */
  statusChanged: 'order.status-changed',
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
  /** The `lastEventId` to resume from is not (or no longer) known here: reload the orders over HTTP. */
  resyncRequired: 'resync-required',
  error: 'error',
} as const;

/**
 * `subscribe`: all of the caller's orders (no `orderId`) or one of them. With `lastEventId`, the
 * updates after that event are sent first (those the subscription covers), then the live ones.
 */
export class SubscribeRequest {
  @IsOptional()
  @IsUUID()
  orderId?: string;

  @IsOptional()
  @IsUUID()
  lastEventId?: string;
}

/** `unsubscribe`: one order, or everything (no `orderId`). */
export class UnsubscribeRequest {
  @IsOptional()
  @IsUUID()
  orderId?: string;
}

export type ServerFrame =
  | { event: typeof SERVER_EVENTS.statusChanged; data: OrderStatusChangeJson }
  | { event: typeof SERVER_EVENTS.subscribed | typeof SERVER_EVENTS.unsubscribed; data: { orderId: string | null } }
  | { event: typeof SERVER_EVENTS.resyncRequired; data: { lastEventId: string; reason: string } }
  | { event: typeof SERVER_EVENTS.error; data: ErrorFrameData };

export interface ErrorFrameData {
  /** The gateway's stable error codes, as in problem+json: VALIDATION_FAILED, RESOURCE_EXHAUSTED, INTERNAL. */
  code: string;
  message: string;
  /** With RESOURCE_EXHAUSTED: whole seconds until a retry can succeed. */
  retryAfterSeconds?: number;
  errors?: { field: string; message: string }[];
}
