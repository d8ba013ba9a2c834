import { Inject, type OnModuleDestroy, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { type eventsV1 } from '@workshop/contracts';
import { ValidationError } from '@workshop/errors';
import { type WebSocket, type WebSocketServer } from 'ws';
import { createValidationPipe } from '../errors/validation.pipe';
import { presentOrderStatusChange } from '../presenters';
import { type AdmittedUpgradeRequest } from './order-updates.handshake';
import { MAX_ORDER_IDS_PER_SUBSCRIPTION, OrderUpdatesHub, OrderUpdatesSubscription } from './order-updates.hub';
import { OrderUpdatesExceptionFilter } from './order-updates.exception-filter';
import { OrderUpdatesRateLimitGuard } from './order-updates.rate-limit.guard';
import {
  orderUpdatesConnections,
  orderUpdatesDeliveredTotal,
  orderUpdatesResumesTotal,
  orderUpdatesSlowClientsTotal,
} from './order-updates.metrics';
import {
  CLIENT_EVENTS,
  ORDER_UPDATES_PATH,
  ORDER_UPDATES_SUBPROTOCOL,
  type ServerFrame,
  SERVER_EVENTS,
  SubscribeRequest,
  UnsubscribeRequest,
} from './order-updates.protocol';
import { type OrderUpdatesSocket } from './order-updates.socket';

/** Client frames are small JSON objects; a larger one closes the connection (1009, by ws). */
const MAX_FRAME_BYTES = 4 * 1024;
/** Data queued for a client that does not read; past it the client is closed to resume later. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A ping every interval; a client that has not answered the previous one is gone. */
const HEARTBEAT_INTERVAL_MS = 30_000;
/** 1008 Policy Violation: the connection has no authenticated caller (cannot happen through the adapter). */
const POLICY_VIOLATION = 1008;
/** 1013 Try Again Later: this client fell too far behind; reconnect and resume from its last event id. */
const TRY_AGAIN_LATER = 1013;

interface Connection {
  subscription: OrderUpdatesSubscription;
  detach: () => void;
  alive: boolean;
}

/** Selects the order-updates subprotocol when offered; never the `bearer.<token>` entry. */
function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(ORDER_UPDATES_SUBPROTOCOL) ? ORDER_UPDATES_SUBPROTOCOL : false;
}

/**
 * `GET /order-updates` (WebSocket): each authenticated client follows its own orders' status
 * changes as the gateway consumes them from Kafka. The handshake (OrderUpdatesWsAdapter) has
 * already checked the token and the rate limits; every message then goes through the rate limit
 * guard (it counts as a request of the caller), the validation pipe, and
 * OrderUpdatesExceptionFilter. Nest applies none of the global ones to gateways: they are named here.
 */
@WebSocketGateway({ path: ORDER_UPDATES_PATH, maxPayload: MAX_FRAME_BYTES, handleProtocols: selectSubprotocol })
@UseGuards(OrderUpdatesRateLimitGuard)
@UsePipes(createValidationPipe())
@UseFilters(OrderUpdatesExceptionFilter)
export class OrderUpdatesGateway
  implements
    OnGatewayInit<WebSocketServer>,
    OnGatewayConnection<OrderUpdatesSocket>,
    OnGatewayDisconnect<OrderUpdatesSocket>,
    OnModuleDestroy
{
  private readonly connections = new WeakMap<WebSocket, Connection>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(@Inject(OrderUpdatesHub) private readonly hub: OrderUpdatesHub) {}

  afterInit(server: WebSocketServer): void {
    this.heartbeat = setInterval(() => this.checkLiveness(server), HEARTBEAT_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  handleConnection(client: OrderUpdatesSocket, request: AdmittedUpgradeRequest): void {
    if (request.caller === undefined) {
      client.close(POLICY_VIOLATION, 'not authenticated');
      return;
    }
    client.caller = request.caller;
    client.remoteAddress = request.socket.remoteAddress ?? 'unknown';
    const subscription = new OrderUpdatesSubscription(request.caller.userId);
    const connection: Connection = { subscription, alive: true, detach: () => undefined };
    connection.detach = this.hub.attach({ subscription, deliver: (event) => this.sendStatusChange(client, event) });
    client.on('pong', () => {
      connection.alive = true;
    });
    this.connections.set(client, connection);
    orderUpdatesConnections.inc();
  }

  handleDisconnect(client: OrderUpdatesSocket): void {
    const connection = this.connections.get(client);
    if (connection === undefined) return;
    connection.detach();
    this.connections.delete(client);
    orderUpdatesConnections.dec();
  }

  /**
   * Follows all of the caller's orders, or one. With `lastEventId`, first sends what the
   * subscription missed since that event, or `resync-required` when this instance cannot tell.
   */
  @SubscribeMessage(CLIENT_EVENTS.subscribe)
  subscribe(@ConnectedSocket() client: OrderUpdatesSocket, @MessageBody() request: SubscribeRequest): void {
    const { subscription } = this.connectionOf(client);
    if (!subscription.add(request.orderId)) {
      throw new ValidationError([
        {
          field: 'orderId',
          message: `at most ${MAX_ORDER_IDS_PER_SUBSCRIPTION} orders one by one; subscribe without orderId to follow all`,
        },
      ]);
    }
    this.send(client, { event: SERVER_EVENTS.subscribed, data: { orderId: request.orderId ?? null } });
    if (request.lastEventId === undefined) return;
    const missed = this.hub.missedSince(subscription, request.lastEventId);
    if (missed === undefined) {
      orderUpdatesResumesTotal.inc({ result: 'resync' });
      this.send(client, {
        event: SERVER_EVENTS.resyncRequired,
        data: { lastEventId: request.lastEventId, reason: 'The event is unknown here or too old: reload your orders over HTTP' },
      });
      return;
    }
    orderUpdatesResumesTotal.inc({ result: 'replayed' });
    for (const event of missed) this.sendStatusChange(client, event);
  }

  @SubscribeMessage(CLIENT_EVENTS.unsubscribe)
  unsubscribe(@ConnectedSocket() client: OrderUpdatesSocket, @MessageBody() request: UnsubscribeRequest): void {
    this.connectionOf(client).subscription.remove(request.orderId);
    this.send(client, { event: SERVER_EVENTS.unsubscribed, data: { orderId: request.orderId ?? null } });
  }

  private sendStatusChange(client: WebSocket, event: eventsV1.OrderStatusChanged): void {
    if (this.send(client, { event: SERVER_EVENTS.statusChanged, data: presentOrderStatusChange(event) })) orderUpdatesDeliveredTotal.inc();
  }

  /** False when the frame was not sent: the client is gone, or too slow and now being closed. */
  private send(client: WebSocket, frame: ServerFrame): boolean {
    if (client.readyState !== client.OPEN) return false;
    // Memory per client stays bounded: one that does not read is let go, and resumes later.
    if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
      orderUpdatesSlowClientsTotal.inc();
      client.close(TRY_AGAIN_LATER, 'too slow: reconnect and resume from your last event id');
      return false;
    }
    client.send(JSON.stringify(frame));
    return true;
  }

  private connectionOf(client: WebSocket): Connection {
    const connection = this.connections.get(client);
    if (connection === undefined) throw new Error('a message arrived on a connection that was never opened');
    return connection;
  }

  /** Terminates the connections whose client did not answer the last ping (gone without a close). */
  private checkLiveness(server: WebSocketServer): void {
    for (const client of server.clients) {
      const connection = this.connections.get(client);
      if (connection === undefined) continue;
      if (!connection.alive) {
        client.terminate();
        continue;
      }
      connection.alive = false;
      client.ping();
    }
  }
}
