import { type IncomingMessage } from 'node:http';
import { type INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { type MessageMappingProperties } from '@nestjs/websockets';
import { type Observable, of } from 'rxjs';
import { type RawData, type WebSocket, type WebSocketServer } from 'ws';
import { type AdmittedUpgradeRequest, OrderUpdatesHandshake } from './order-updates.handshake';
import { type ServerFrame, SERVER_EVENTS } from './order-updates.protocol';

/** How long shutdown waits for clients to answer the close frame before cutting them off. */
const CLOSE_GRACE_MS = 1_000;
/** 1001 Going Away (RFC 6455): the server is leaving; reconnect (to another instance) and resume. */
const GOING_AWAY = 1001;

type VerifyClientCallback = (verified: boolean, status?: number, message?: string, headers?: Record<string, string>) => void;

/**
 * Nest's `ws` adapter on the gateway's own HTTP server (Fastify's), with three changes:
 * - every upgrade is decided by `OrderUpdatesHandshake` before the protocol switches (ws's
 *   `verifyClient`), so an unauthenticated or rate-limited client gets a 401 or 429 answer;
 * - a frame that is not JSON, or names no known event, is answered with an `error` frame
 *   instead of being dropped in silence (Nest's default);
 * - on shutdown, clients get a 1001 close frame (reconnect elsewhere and resume) rather than a
 *   cut connection.
 */
export class OrderUpdatesWsAdapter extends WsAdapter {
  constructor(private readonly app: INestApplication) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): WebSocketServer {
    const handshake = this.app.get(OrderUpdatesHandshake);
    const verifyClient = ({ req }: { req: IncomingMessage }, callback: VerifyClientCallback) => {
      handshake.admit(req).then(
        (admission) => {
          if (admission.admitted) {
            (req as AdmittedUpgradeRequest).caller = admission.caller;
            callback(true);
          } else {
            callback(false, admission.status, admission.body, admission.headers);
          }
        },
        (error: unknown) => {
          this.logger.error(error);
          callback(false, 500);
        },
      );
    };
    return super.create(port, { ...options, verifyClient }) as WebSocketServer;
  }

  override bindMessageHandler(
    message: { data: RawData },
    handlers: Map<string, MessageMappingProperties>,
    transform: (data: unknown) => Observable<unknown>,
  ): Observable<unknown> {
    let frame: unknown;
    try {
      frame = JSON.parse(message.data.toString());
    } catch {
      return of(invalidFrame('A frame is JSON: {"event": "subscribe", "data": {…}}'));
    }
    const event = typeof frame === 'object' && frame !== null ? (frame as { event?: unknown }).event : undefined;
    const handler = typeof event === 'string' ? handlers.get(event) : undefined;
    if (handler === undefined) return of(invalidFrame(`Unknown event; expected one of: ${[...handlers.keys()].join(', ')}`));
    return transform(handler.callback((frame as { data?: unknown }).data ?? {}, event));
  }

  override async close(server: WebSocketServer): Promise<void> {
    const closed = [...server.clients].map(
      (client: WebSocket) =>
        new Promise<void>((resolve) => {
          client.once('close', () => resolve());
          client.close(GOING_AWAY, 'server shutting down');
        }),
    );
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
    await super.close(server);
  }
}

function invalidFrame(message: string): ServerFrame {
  return { event: SERVER_EVENTS.error, data: { code: 'VALIDATION_FAILED', message } };
}
