import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { type Logger } from '@workshop/observability';
import { closeRedisClient, createRedisClient, type RedisConnectionOptions } from './stores/redis-cache-store';

/** What instances tell each other: these generation keys were bumped; drop what depends on them. */
export interface InvalidationMessage {
  /** Format version: a receiver ignores versions it does not know (and counts it) instead of guessing. */
  v: 1;
  /** The sending instance, which has already applied the invalidation to itself. */
  from: string;
  generationKeys: string[];
}

export interface InvalidationBusHandlers {
  /** Another instance invalidated these generation keys. */
  onInvalidation(generationKeys: readonly string[]): void;
  /** The subscription came back after a disconnection: messages may have been missed. */
  onReconnect(): void;
}

export interface InvalidationBus {
  readonly instanceId: string;
  start(handlers: InvalidationBusHandlers): Promise<void>;
  publish(generationKeys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Invalidation across instances on Redis pub/sub. Only invalidations travel, never values: a
 * receiver drops its memory entries and reads the next value from the remote tier or the loader,
 * so a lost or late message can only cost freshness within the entry's TTL, never correctness of
 * the remote tier (which is guarded by generations).
 *
 * Pub/sub delivers at most once and forgets what was sent while a subscriber was disconnected.
 * So after every reconnect the receiver is told (`onReconnect`) and drops its whole memory tier.
 */
export class RedisInvalidationBus implements InvalidationBus {
  readonly instanceId = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private subscribed = false;
  private everConnected = false;

  constructor(
    connection: RedisConnectionOptions,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.publisher = createRedisClient(connection, logger, 'invalidation-bus-publisher');
    // Messages arrive as pushes, not as replies: the command timeout bounds only SUBSCRIBE itself.
    this.subscriber = createRedisClient(connection, logger, 'invalidation-bus-subscriber');
  }

  /**
   * Subscribes; resolves once subscribed, or after `readyTimeoutMs` when Redis is not there (the
   * service starts anyway, and the subscription follows when Redis comes back).
   */
  async start(handlers: InvalidationBusHandlers, readyTimeoutMs = 2_000): Promise<void> {
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = parseMessage(text);
      if (message === undefined) {
        this.logger.warn({ channel }, 'ignored an invalidation message of an unknown format');
        return;
      }
      if (message.from !== this.instanceId) handlers.onInvalidation(message.generationKeys);
    });
    let firstSubscription: () => void = () => undefined;
    const subscribedOnce = new Promise<void>((resolve) => (firstSubscription = resolve));
    const onReady = () => {
      // ioredis subscribes again by itself after a reconnect (autoResubscribe); until the first
      // subscription succeeded there is nothing to resubscribe, so do it here.
      if (!this.subscribed) {
        this.subscriber.subscribe(this.channel).then(
          () => {
            this.subscribed = true;
            firstSubscription();
          },
          (error: unknown) => this.logger.warn({ err: error, channel: this.channel }, 'invalidation bus could not subscribe'),
        );
      }
      if (this.everConnected) {
        this.logger.info({ channel: this.channel }, 'invalidation bus reconnected; dropping the memory tier');
        handlers.onReconnect();
      }
      this.everConnected = true;
    };
    this.subscriber.on('ready', onReady);
    if (this.subscriber.status === 'ready') onReady();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribedOnce, new Promise<void>((resolve) => (timer = setTimeout(resolve, readyTimeoutMs)))]);
    clearTimeout(timer);
    if (!this.subscribed) this.logger.warn({ channel: this.channel }, 'invalidation bus not subscribed yet; Redis is not answering');
  }

  async publish(generationKeys: readonly string[]): Promise<void> {
    const message: InvalidationMessage = { v: 1, from: this.instanceId, generationKeys: [...generationKeys] };
    await this.publisher.publish(this.channel, JSON.stringify(message));
  }

  async close(): Promise<void> {
    await Promise.all([closeRedisClient(this.publisher), closeRedisClient(this.subscriber)]);
  }
}

function parseMessage(text: string): InvalidationMessage | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<InvalidationMessage>;
    if (parsed.v !== 1 || typeof parsed.from !== 'string' || !Array.isArray(parsed.generationKeys)) return undefined;
    if (!parsed.generationKeys.every((key) => typeof key === 'string')) return undefined;
    return parsed as InvalidationMessage;
  } catch {
    return undefined;
  }
}
