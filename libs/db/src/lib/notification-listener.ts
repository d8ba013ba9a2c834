import { Client, type ClientConfig, type Notification } from 'pg';
import { type Logger } from '@workshop/observability';
import { type DatabaseNotificationSubscription } from './database.types';

/** Backoff between reconnect attempts: doubles from the first to the last, then stays there. */
export interface ReconnectBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = { initialDelayMs: 100, maxDelayMs: 5000 };

/**
 * One LISTEN on its own connection to the primary.
 *
 * LISTEN is session state, so it cannot share a pooled connection: the pool would hand that
 * session to other queries and could close it at any time. When the connection drops, this
 * reconnects with exponential backoff and LISTENs again. Notifications sent while it was away are
 * lost (Postgres does not queue them for absent listeners), so after each reconnect it calls
 * `onNotification('')`: the consumer's cue to re-read whatever it was being notified about.
 */
export class NotificationListener implements DatabaseNotificationSubscription {
  private client: Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private closed = false;

  constructor(
    private readonly connectionConfig: ClientConfig,
    private readonly channel: string,
    private readonly onNotification: (payload: string) => void,
    private readonly logger: Logger,
    private readonly backoff: ReconnectBackoff = DEFAULT_RECONNECT_BACKOFF,
  ) {}

  /** Connects and LISTENs; rejects if the first attempt fails, so a misconfiguration shows at start-up. */
  async start(): Promise<void> {
    this.client = await this.connectAndListen();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      await client
        .end()
        .catch((error: unknown) => this.logger.warn({ err: error, channel: this.channel }, 'closing the LISTEN connection failed'));
    }
  }

  private async connectAndListen(): Promise<Client> {
    const client = new Client(this.connectionConfig);
    // Attached before connect(): an 'error' event with no listener would crash the process.
    client.on('error', (error) => this.handleConnectionLoss(client, error));
    client.on('end', () => this.handleConnectionLoss(client, undefined));
    client.on('notification', (notification: Notification) => {
      if (notification.channel === this.channel) this.deliver(notification.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
      return client;
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private handleConnectionLoss(client: Client, error: Error | undefined): void {
    // 'error' and 'end' both fire for one loss, and a replaced client may still report late.
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.logger.warn({ err: error, channel: this.channel }, 'LISTEN connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delayMs = Math.min(this.backoff.initialDelayMs * 2 ** this.reconnectAttempt, this.backoff.maxDelayMs);
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    let client: Client;
    try {
      client = await this.connectAndListen();
    } catch (error) {
      this.logger.warn({ err: error, channel: this.channel, attempt: this.reconnectAttempt }, 'LISTEN reconnect failed; retrying');
      if (!this.closed) this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectAttempt = 0;
    this.logger.info({ channel: this.channel }, 'LISTEN connection restored');
    // Anything sent while disconnected is gone: tell the consumer to catch up.
    this.deliver('');
  }

  private deliver(payload: string): void {
    try {
      this.onNotification(payload);
    } catch (error) {
      // A throwing handler must not take the connection's event loop down with it.
      this.logger.error({ err: error, channel: this.channel }, 'notification handler threw');
    }
  }
}
