import { performance } from 'node:perf_hooks';
import { type DatabaseNotificationSubscription, type DatabaseRouter, type SqlExecutor } from '@workshop/db';
import { createLogger, type Logger } from '@workshop/observability';
import { backoffDelayMs, sleepUnlessAborted, type BackoffPolicy } from '../backoff';
import { withConsistencyToken } from '../event-headers';
import { type EventPublisher } from '../event-publisher';
import { outboxBacklog, outboxCommitToPublishDuration, outboxOldestAge, outboxPublishedTotal } from '../messaging-metrics';
import { outboxChannel, outboxTable } from './outbox-naming';

/** What the relay needs from the database: transactions and LISTEN on the primary, and one count. */
export type OutboxDatabase = Pick<DatabaseRouter, 'query' | 'transaction' | 'listen'>;

/** What the relay needs from Kafka. */
export type OutboxPublisher = Pick<EventPublisher, 'publishEncoded'>;

export interface OutboxRelayOptions {
  db: OutboxDatabase;
  publisher: OutboxPublisher;
  /** The schema whose `outbox` table this relay drains. */
  schema: string;
  /** Rows claimed, published and deleted per transaction. Default 100. */
  batchSize?: number;
  /** Longest wait between two looks at the table when no notification arrives. Default 1000 ms. */
  pollIntervalMs?: number;
  logger?: Logger;
}

interface OutboxRow {
  id: string;
  topic: string;
  sequence: number;
  message_key: string;
  payload: Buffer;
  headers: Record<string, string> | null;
  created_at: Date;
  /** The primary's WAL position when the batch was claimed: past the commit of every row it sees. */
  consistency_token: string;
}

/** After a failed cycle (Kafka or Postgres unreachable): 500 ms, 1 s, 2 s, ... up to 30 s. */
const FAILURE_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** How often the backlog gauges are refreshed while the relay has work queued. */
const BUSY_BACKLOG_COUNT_INTERVAL_MS = 1000;

/**
 * Moves events from a schema's outbox table to Kafka: the second half of the transactional
 * outbox.
 *
 * Each cycle claims the oldest rows with `FOR UPDATE SKIP LOCKED`, publishes them in one call,
 * deletes them and commits, so the table holds only the backlog. Rows stay locked until that
 * commit, so relays in several instances of a service share the work without publishing a row
 * twice; if Kafka fails, the transaction rolls back and the rows wait for the next cycle, so
 * nothing is lost. If the process dies between Kafka's acknowledgement and the commit, the batch
 * is published again: delivery is at least once, and consumers deduplicate on the `x-event-id`
 * header if they must.
 *
 * A cycle starts when the schema's channel is notified (`enqueueOutboxEvent` asks for that once
 * its transaction commits), or after `pollIntervalMs` without one (the safety net for a lost
 * notification or a LISTEN connection being re-established), or at once if the previous batch
 * was full.
 */
export class OutboxRelay {
  private readonly db: OutboxDatabase;
  private readonly publisher: OutboxPublisher;
  private readonly schema: string;
  private readonly table: string;
  private readonly channel: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: Logger;

  private shutdown = new AbortController();
  private loop: Promise<void> | undefined;
  private subscription: DatabaseNotificationSubscription | undefined;
  /** Set by a notification; a cycle that starts afterwards will see whatever it announced. */
  private workAnnounced = false;
  private wakeUp: (() => void) | undefined;
  private backlogCountedAt = 0;

  constructor(options: OutboxRelayOptions) {
    this.db = options.db;
    this.publisher = options.publisher;
    this.schema = options.schema;
    this.table = outboxTable(options.schema);
    this.channel = outboxChannel(options.schema);
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.logger = (options.logger ?? createLogger('messaging')).child({ component: 'outbox-relay', schema: options.schema });
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error(`OutboxRelay: batchSize must be a positive integer, got ${this.batchSize}`);
    if (!(this.pollIntervalMs > 0)) throw new Error(`OutboxRelay: pollIntervalMs must be positive, got ${this.pollIntervalMs}`);
  }

  /**
   * Starts relaying in the background. Resolves once the relay is listening for notifications,
   * or, if LISTEN is not possible right now, once it has fallen back to polling: a database
   * hiccup at start-up delays events, it does not stop the service from starting.
   */
  async start(): Promise<void> {
    if (this.loop !== undefined) return;
    this.shutdown = new AbortController();
    try {
      this.subscription = await this.db.listen(this.channel, () => this.announceWork());
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot LISTEN for outbox notifications; polling only');
    }
    this.loop = this.relayUntilStopped();
  }

  /** Stops after the batch in flight is published and committed (or rolled back), then stops listening. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (loop === undefined) return;
    this.shutdown.abort();
    this.wakeUp?.();
    await loop;
    this.loop = undefined;
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async relayUntilStopped(): Promise<void> {
    const signal = this.shutdown.signal;
    let consecutiveFailures = 0;
    while (!signal.aborted) {
      let batchWasFull = false;
      try {
        batchWasFull = (await this.relayOneBatch()) === this.batchSize;
        consecutiveFailures = 0;
      } catch (error) {
        consecutiveFailures += 1;
        const retryInMs = backoffDelayMs(consecutiveFailures, FAILURE_BACKOFF);
        this.logger.warn({ err: error, consecutiveFailures, retryInMs }, 'outbox relay cycle failed; the rows stay for the next attempt');
        await this.refreshBacklog();
        // A notification must not cut a backoff short: it would turn an outage into a busy loop.
        await sleepUnlessAborted(retryInMs, signal);
        continue;
      }
      const moreWorkWaiting = batchWasFull || this.workAnnounced;
      // Counting the backlog costs about as much as a small cycle: while busy it is counted once
      // per interval, and always before going idle, so the gauges never rest on a stale count.
      if (!moreWorkWaiting || performance.now() - this.backlogCountedAt >= BUSY_BACKLOG_COUNT_INTERVAL_MS) await this.refreshBacklog();
      if (!moreWorkWaiting) await this.waitForWork();
    }
  }

  /** Claims, publishes and deletes one batch in one transaction. Returns how many rows it published. */
  private async relayOneBatch(): Promise<number> {
    this.workAnnounced = false;
    const published = await this.db.transaction(async (tx) => {
      const { rows: claimed } = await tx.query<OutboxRow>(
        `SELECT id, sequence, topic, message_key, payload, headers, created_at, pg_current_wal_lsn()::text AS consistency_token FROM ${this.table}
         ORDER BY sequence
         LIMIT $1
         FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (claimed.length === 0) return claimed;
      const rows = await this.withoutKeysHeldElsewhere(tx, claimed);
      if (rows.length === 0) return rows;
      await this.publisher.publishEncoded(
        rows.map((row) => ({
          topic: row.topic,
          key: row.message_key,
          value: row.payload,
          headers: withConsistencyToken(row.headers ?? {}, row.consistency_token),
        })),
      );
      await tx.query(`DELETE FROM ${this.table} WHERE id = ANY($1::uuid[])`, [rows.map((row) => row.id)]);
      return rows;
    });
    // Counted after the commit: a batch rolled back after publishing will be published (and
    // counted) again, and the counter should match the rows removed as published.
    const now = Date.now();
    for (const row of published) {
      outboxPublishedTotal.inc({ topic: row.topic });
      outboxCommitToPublishDuration.observe({ topic: row.topic }, Math.max(0, now - row.created_at.getTime()) / 1000);
    }
    return published.length;
  }

  /**
   * Keeps per-key order with several relays. `SKIP LOCKED` lets a relay claim a key's second
   * event while another relay still holds the first; publishing it now could put it on Kafka
   * first. So the claimed rows of any key that still has an older unpublished row outside this
   * batch are left for a later cycle. The check runs after the claim, in a fresh snapshot: an
   * older row another relay has published is committed (hence acknowledged by Kafka) by then.
   */
  private async withoutKeysHeldElsewhere(tx: SqlExecutor, claimed: readonly OutboxRow[]): Promise<OutboxRow[]> {
    const oldestClaimedByKey = new Map<string, number>();
    for (const row of claimed) if (!oldestClaimedByKey.has(row.message_key)) oldestClaimedByKey.set(row.message_key, row.sequence);
    const { rows: blocked } = await tx.query<{ message_key: string }>(
      `SELECT DISTINCT waiting.message_key FROM ${this.table} waiting
         JOIN unnest($1::text[], $2::bigint[]) AS claimed(message_key, oldest_sequence) USING (message_key)
        WHERE waiting.sequence < claimed.oldest_sequence`,
      [[...oldestClaimedByKey.keys()], [...oldestClaimedByKey.values()]],
    );
    if (blocked.length === 0) return [...claimed];
    const blockedKeys = new Set(blocked.map((row) => row.message_key));
    return claimed.filter((row) => !blockedKeys.has(row.message_key));
  }

  private async refreshBacklog(): Promise<void> {
    this.backlogCountedAt = performance.now();
    try {
      const { rows } = await this.db.query<{ backlog: number; oldest_age_seconds: number | null }>(
        `SELECT count(*)::int AS backlog, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest_age_seconds
           FROM ${this.table}`,
      );
      outboxBacklog.set({ schema: this.schema }, rows[0]?.backlog ?? 0);
      outboxOldestAge.set({ schema: this.schema }, Math.max(0, rows[0]?.oldest_age_seconds ?? 0));
    } catch (error) {
      // The gauges keep their last value; the failed cycle itself is already logged.
      this.logger.debug({ err: error }, 'cannot measure the outbox backlog');
    }
  }

  private announceWork(): void {
    this.workAnnounced = true;
    this.wakeUp?.();
  }

  /** Resolves on a notification, after the poll interval, or on stop, whichever comes first. */
  private async waitForWork(): Promise<void> {
    if (this.workAnnounced || this.shutdown.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), this.pollIntervalMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }
}
