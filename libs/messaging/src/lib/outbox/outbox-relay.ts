import { performance } from 'node:perf_hooks';
import { type DatabaseNotificationSubscription, type DatabaseRouter, type TransactionExecutor } from '@workshop/db';
import { createLogger, type Logger } from '@workshop/observability';
import { backoffDelayMs, sleepUnlessAborted, type BackoffPolicy } from '../backoff';
import { withConsistencyToken } from '../event-headers';
import { type EncodedEvent, type EventPublisher } from '../event-publisher';
import { EventsTooLargeError } from '../events-too-large.error';
import {
  outboxBacklog,
  outboxCommitToPublishDuration,
  outboxOldestAge,
  outboxPublishedTotal,
  outboxRejectedTotal,
} from '../messaging-metrics';
import { outboxChannel, outboxRejectedTable, outboxTable } from './outbox-naming';

/** What the relay needs from the database: transactions and LISTEN on the primary, and one count. */
export type OutboxDatabase = Pick<DatabaseRouter, 'query' | 'transaction' | 'listen'>;

/** What the relay needs from Kafka: a producer it publishes through, and disconnects when it stops. */
export type OutboxPublisher = Pick<EventPublisher, 'publishEncoded' | 'disconnect'>;

export interface OutboxRelayOptions {
  db: OutboxDatabase;
  /**
   * Creates the producer of one batch loop: `start()` calls it once per loop (`concurrentBatches`
   * times) and `stop()` disconnects what it created. Each loop has its own producer, never a
   * shared one: kafkajs rewinds an idempotent producer's sequence numbers when a send fails, so
   * another loop's send, queued behind the failed one, could reuse them, and if the failed send
   * had in fact been written, the broker would take the second for a duplicate of the first and
   * drop it, acknowledged. (`EventPublisher` replaces its producer after a failed send, for its
   * own next send; a send already queued behind the failure would be too late for that.)
   */
  createPublisher: () => OutboxPublisher;
  /** The schema whose `outbox` table this relay drains. */
  schema: string;
  /**
   * Rows claimed, published and deleted per transaction. Default `DEFAULT_OUTBOX_BATCH_SIZE`.
   * One batch's events of one partition go to Kafka as one record batch, which the broker
   * refuses above the topic's `max.message.bytes` (1 MB by default). A refused batch is
   * published in halves, so that costs round trips, not events; keep this times a typical event
   * under the limit so it stays rare.
   */
  batchSize?: number;
  /**
   * Batches in flight at once, each in its own transaction over its own share of the keys (so two
   * batches of one relay never hold one key). Default 1: on the 2-core machine of the README's
   * figures, 4 made the benchmark's phases with writers slower (more, smaller transactions on a
   * Postgres that is already the bottleneck), while 2 drained a backlog about 15% faster. Raise
   * it where the relay itself falls behind and the database has cores to spare.
   */
  concurrentBatches?: number;
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

/** One loop of the relay: a share of the keys, a producer, and a wake-up of its own. */
interface BatchLoop {
  /** The loop claims the rows whose key hashes to `slice`, modulo the number of loops. */
  slice: number;
  publisher: OutboxPublisher;
  /** Set by a notification; a cycle that starts afterwards will see whatever it announced. */
  workAnnounced: boolean;
  /** True from the moment the loop decides to wait for work until it is woken. */
  idle: boolean;
  wakeUp: (() => void) | undefined;
}

/**
 * Rows per batch unless told otherwise. A batch costs about the same fixed work (a statement, a
 * Kafka round trip, a commit) whatever its size, so a backlog drains faster in big ones: on this
 * project's 2-core machine the relay alone published about 13,000 events/s in batches of 100
 * and 22,000 in batches of 500. When the relay keeps up, batches hold what arrived since the
 * last one, so the size only matters under a backlog.
 */
export const DEFAULT_OUTBOX_BATCH_SIZE = 500;

/** After a failed cycle (Kafka or Postgres unreachable): 500 ms, 1 s, 2 s, ... up to 30 s. */
const FAILURE_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** How often the backlog gauges are refreshed while the relay has work queued. */
const BUSY_BACKLOG_COUNT_INTERVAL_MS = 1000;

/**
 * Moves events from a schema's outbox table to Kafka: the second half of the transactional
 * outbox.
 *
 * Each cycle claims the oldest rows with `FOR UPDATE SKIP LOCKED` and deletes them (one
 * statement, `claimBatchSql`), publishes them in one call and commits, so the table holds only the
 * backlog. Rows stay locked until that commit, so relays in several instances of a service share
 * the work without publishing a row twice; if Kafka fails, the transaction rolls back and the rows wait for the next cycle, so
 * nothing is lost. If the process dies between Kafka's acknowledgement and the commit, the batch
 * is published again: delivery is at least once, and consumers deduplicate on the `x-event-id`
 * header if they must.
 *
 * `concurrentBatches` loops run these cycles side by side, so one batch's commit and Kafka round
 * trip overlap another's. Loop `i` claims only the rows whose key hashes to `i`: a key's events
 * all go through one loop, one batch after the other, so the loops of one relay never wait for
 * each other's keys. Per-key order does not rest on that split, though: every batch also runs the
 * check that keeps order between relays (in `claimBatchSql`), which holds for any two
 * transactions, in one process or in two.
 *
 * A loop starts a cycle when the schema's channel is notified (`enqueueOutboxEvent` asks for that
 * once its transaction commits; every loop is woken), or after `pollIntervalMs` without one (the
 * safety net for a lost notification or a LISTEN connection being re-established), or at once
 * if its previous batch was full.
 */
export class OutboxRelay {
  private readonly db: OutboxDatabase;
  private readonly createPublisher: () => OutboxPublisher;
  private readonly schema: string;
  private readonly table: string;
  private readonly channel: string;
  private readonly batchSize: number;
  private readonly concurrentBatches: number;
  private readonly pollIntervalMs: number;
  private readonly claimSql: string;
  private readonly rejectSql: string;
  private readonly logger: Logger;

  private shutdown = new AbortController();
  private loops: BatchLoop[] = [];
  private running: Promise<void> | undefined;
  private subscription: DatabaseNotificationSubscription | undefined;
  private backlogCountedAt = 0;

  constructor(options: OutboxRelayOptions) {
    this.db = options.db;
    this.createPublisher = options.createPublisher;
    this.schema = options.schema;
    this.table = outboxTable(options.schema);
    this.channel = outboxChannel(options.schema);
    this.batchSize = options.batchSize ?? DEFAULT_OUTBOX_BATCH_SIZE;
    this.concurrentBatches = options.concurrentBatches ?? 1;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.logger = (options.logger ?? createLogger('messaging')).child({ component: 'outbox-relay', schema: options.schema });
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error(`OutboxRelay: batchSize must be a positive integer, got ${this.batchSize}`);
    if (!Number.isInteger(this.concurrentBatches) || this.concurrentBatches < 1)
      throw new Error(`OutboxRelay: concurrentBatches must be a positive integer, got ${this.concurrentBatches}`);
    if (!(this.pollIntervalMs > 0)) throw new Error(`OutboxRelay: pollIntervalMs must be positive, got ${this.pollIntervalMs}`);
    this.claimSql = claimBatchSql(this.table, this.concurrentBatches > 1);
    this.rejectSql = rejectSql(outboxRejectedTable(options.schema));
  }

  /**
   * Starts relaying in the background. Resolves once the relay is listening for notifications,
   * or, if LISTEN is not possible right now, once it has fallen back to polling: a database
   * hiccup at start-up delays events, it does not stop the service from starting.
   */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    this.shutdown = new AbortController();
    try {
      this.subscription = await this.db.listen(this.channel, () => this.announceWork());
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot LISTEN for outbox notifications; polling only');
    }
    this.loops = Array.from({ length: this.concurrentBatches }, (_, slice) => ({
      slice,
      publisher: this.createPublisher(),
      workAnnounced: false,
      idle: false,
      wakeUp: undefined,
    }));
    this.running = Promise.all(this.loops.map((loop) => this.relayUntilStopped(loop))).then(() => undefined);
  }

  /**
   * Stops after every batch in flight is published and committed (or rolled back), then
   * disconnects the loops' producers and stops listening.
   */
  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.shutdown.abort();
    for (const loop of this.loops) loop.wakeUp?.();
    await running;
    this.running = undefined;
    const disconnected = await Promise.allSettled(this.loops.map((loop) => loop.publisher.disconnect()));
    for (const outcome of disconnected) {
      if (outcome.status === 'rejected') this.logger.warn({ err: outcome.reason }, 'cannot disconnect an outbox relay producer');
    }
    this.loops = [];
    await this.subscription?.close();
    this.subscription = undefined;
  }

  private async relayUntilStopped(loop: BatchLoop): Promise<void> {
    const signal = this.shutdown.signal;
    let consecutiveFailures = 0;
    while (!signal.aborted) {
      let batchWasFull = false;
      try {
        batchWasFull = (await this.relayOneBatch(loop)) === this.batchSize;
        consecutiveFailures = 0;
      } catch (error) {
        // Each loop backs off on its own: a batch Kafka refuses holds up only its own share of the keys.
        consecutiveFailures += 1;
        const retryInMs = backoffDelayMs(consecutiveFailures, FAILURE_BACKOFF);
        this.logger.warn(
          { err: error, slice: loop.slice, consecutiveFailures, retryInMs },
          'outbox relay cycle failed; the rows stay for the next attempt',
        );
        await this.refreshBacklog();
        // A notification must not cut a backoff short: it would turn an outage into a busy loop.
        await sleepUnlessAborted(retryInMs, signal);
        continue;
      }
      const moreWorkWaiting = batchWasFull || loop.workAnnounced;
      if (moreWorkWaiting) {
        // Counting the backlog costs about as much as a small cycle: while busy it is counted once
        // per interval (by whichever loop comes first), ...
        if (performance.now() - this.backlogCountedAt >= BUSY_BACKLOG_COUNT_INTERVAL_MS) await this.refreshBacklog();
        continue;
      }
      // ... and always once the last loop goes idle, so the gauges never rest on a stale count.
      // Marked idle before counting: a loop finishing meanwhile then counts again, after its commit.
      loop.idle = true;
      if (this.loops.every((each) => each.idle)) await this.refreshBacklog();
      await this.waitForWork(loop);
      loop.idle = false;
    }
  }

  /**
   * Claims, deletes and publishes one batch of the loop's keys in one transaction. Returns how
   * many rows it claimed: published, or moved to the rejected table.
   */
  private async relayOneBatch(loop: BatchLoop): Promise<number> {
    loop.workAnnounced = false;
    const claimParameters = this.concurrentBatches > 1 ? [this.batchSize, this.concurrentBatches, loop.slice] : [this.batchSize];
    const { published, rejected } = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<OutboxRow>(this.claimSql, claimParameters);
      const refused = await this.publishInHalves(loop.publisher, rows);
      // Kafka has the rest: the commit makes the claim's delete final. Had a publish failed for
      // any other reason, the rollback would put every row back for the next cycle.
      if (refused.length > 0) await this.reject(tx, refused);
      return { published: refused.length === 0 ? rows : rows.filter((row) => !refused.includes(row)), rejected: refused };
    });
    // Counted after the commit: a batch rolled back after publishing will be published (and
    // counted) again, and the counter should match the rows removed as published.
    const now = Date.now();
    for (const row of published) {
      outboxPublishedTotal.inc({ topic: row.topic });
      outboxCommitToPublishDuration.observe({ topic: row.topic }, Math.max(0, now - row.created_at.getTime()) / 1000);
    }
    for (const row of rejected) outboxRejectedTotal.inc({ topic: row.topic, reason: REJECTED_TOO_LARGE });
    return published.length + rejected.length;
  }

  /**
   * Publishes `rows` in one call; if the broker refuses it as too large, publishes the first
   * half, then the second, each split again as needed. Returns the rows it refuses even alone:
   * an event larger than the topic accepts, which no retry can publish.
   *
   * The halves go out one after the other in the claim's order, so each key's events keep
   * theirs. A refused call may have written the partitions that were not too large; their events
   * go out again in a half, a duplicate the consumers' inbox absorbs (delivery is at least once).
   */
  private async publishInHalves(publisher: OutboxPublisher, rows: readonly OutboxRow[]): Promise<OutboxRow[]> {
    if (rows.length === 0) return [];
    try {
      await publisher.publishEncoded(rows.map(toEncodedEvent));
      return [];
    } catch (error) {
      if (!(error instanceof EventsTooLargeError)) throw error;
      if (rows.length === 1) return [...rows];
      const middle = Math.ceil(rows.length / 2);
      this.logger.info({ events: rows.length }, 'Kafka refused a batch as too large; publishing it in halves');
      const refusedInFirst = await this.publishInHalves(publisher, rows.slice(0, middle));
      const refusedInSecond = await this.publishInHalves(publisher, rows.slice(middle));
      return [...refusedInFirst, ...refusedInSecond];
    }
  }

  /**
   * Moves rows Kafka refuses as too large into `<schema>.outbox_rejected`, in the batch's
   * transaction (the claim already deleted them from the outbox): kept for an operator, and out
   * of every later batch's way. Their key's later events are published without them.
   */
  private async reject(tx: TransactionExecutor, rows: readonly OutboxRow[]): Promise<void> {
    for (const row of rows) {
      this.logger.error(
        { eventId: row.id, topic: row.topic, key: row.message_key, payloadBytes: row.payload.length },
        'Kafka refuses this outbox event as too large even alone; moved to the outbox_rejected table',
      );
    }
    await tx.query(this.rejectSql, [
      rows.map((row) => row.id),
      rows.map((row) => row.sequence),
      rows.map((row) => row.topic),
      rows.map((row) => row.message_key),
      rows.map((row) => row.payload),
      rows.map((row) => JSON.stringify(row.headers ?? {})),
      rows.map((row) => row.created_at),
      REJECTED_TOO_LARGE,
    ]);
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

  /** A notification does not say which keys it is about: every loop looks at its share. */
  private announceWork(): void {
    for (const loop of this.loops) {
      loop.workAnnounced = true;
      loop.wakeUp?.();
    }
  }

  /** Resolves on a notification, after the poll interval, or on stop, whichever comes first. */
  private async waitForWork(loop: BatchLoop): Promise<void> {
    if (loop.workAnnounced || this.shutdown.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => loop.wakeUp?.(), this.pollIntervalMs);
      loop.wakeUp = () => {
        clearTimeout(timer);
        loop.wakeUp = undefined;
        resolve();
      };
    });
  }
}

/** The `reason` of an event Kafka refused as too large, in the rejected table and the metric. */
const REJECTED_TOO_LARGE = 'too_large';

/** What the relay publishes for a row: its stored bytes and envelope, and the batch's consistency token. */
function toEncodedEvent(row: OutboxRow): EncodedEvent {
  return {
    topic: row.topic,
    key: row.message_key,
    value: row.payload,
    headers: withConsistencyToken(row.headers ?? {}, row.consistency_token),
  };
}

/** Inserts refused rows, one array parameter per column, as they were in the outbox. */
function rejectSql(rejectedTable: string): string {
  return `
    INSERT INTO ${rejectedTable} (id, sequence, topic, message_key, payload, headers, created_at, reason)
    SELECT id, sequence, topic, message_key, payload, headers, created_at, $8
      FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[], $7::timestamptz[])
        AS rejected(id, sequence, topic, message_key, payload, headers, created_at)`;
}

/**
 * One statement claims a batch, keeps per-key order, and deletes what it will publish: one round
 * trip where a claim, an order check and a delete took three (each batch is a transaction held
 * open over a Kafka round trip, so its round trips are the relay's pace). The delete is undone by
 * a rollback if the publish fails; until the commit, other transactions still see the rows and
 * their locks.
 *
 * - `claimed`: the oldest rows (of the loop's share of the keys, `mod(hashtext(key), $2) = $3`,
 *   when there are several loops) that no other transaction holds: `FOR UPDATE SKIP LOCKED`.
 * - `first_held_elsewhere`: per-key order between batches in flight, of two relays or of two loops
 *   of one. `SKIP LOCKED` lets a claim take a key's later rows while another transaction holds an
 *   earlier one, and two claims running at once can even interleave (one takes a key's events 1
 *   and 3, the other event 2, each skipping what the other had just locked). So for each key the
 *   claimed rows are published only up to the first older row of that key that is not this
 *   claim's; the rest stay locked, not deleted, and go out in a later cycle. This statement sees
 *   the table as of its start: a row another transaction holds is there to be seen (it is deleted
 *   only when that transaction commits, after Kafka acknowledged it); a row deleted by a commit
 *   since then is seen too, and holds the key back one cycle for nothing, which is safe.
 *   A row an enqueueing transaction commits after this statement started is not seen: it
 *   committed after the rows claimed here, and commit order is the order promised (README).
 *   Per key, an index scan that stops at the first row found: rows deleted by earlier batches
 *   stay in the index until vacuumed, and a scan over every older row of the key (a GROUP BY's
 *   bitmap scan) visited each one's heap page again on every batch, a cost growing with the rows
 *   drained. A plain index scan marks the dead entries it meets and skips them afterwards.
 * - `publishable` is deleted, and returned in sequence order with the consistency token: the
 *   primary's WAL position now, past the commit of every row this statement sees. The delete
 *   finds its rows by `ctid`, their physical address, instead of probing the primary key's index
 *   once per row: a claimed row is locked, so nothing can move it before the delete.
 */
function claimBatchSql(table: string, ownSliceOfKeysOnly: boolean): string {
  // hashtext is Postgres's own string hash; masking the sign bit keeps the modulo non-negative.
  const ownSliceOfKeys = ownSliceOfKeysOnly ? 'WHERE mod(hashtext(message_key) & 2147483647, $2) = $3' : '';
  return `
    WITH claimed AS MATERIALIZED (
           SELECT ctid, id, sequence, topic, message_key, payload, headers, created_at
             FROM ${table} ${ownSliceOfKeys}
            ORDER BY sequence
            LIMIT $1
              FOR UPDATE SKIP LOCKED),
         newest_claimed AS (
           SELECT message_key, max(sequence) AS sequence FROM claimed GROUP BY message_key),
         first_held_elsewhere AS (
           SELECT newest_claimed.message_key, first_waiting.sequence
             FROM newest_claimed
            CROSS JOIN LATERAL (
                  SELECT waiting.sequence FROM ${table} waiting
                   WHERE waiting.message_key = newest_claimed.message_key
                     AND waiting.sequence < newest_claimed.sequence
                     AND waiting.sequence NOT IN (SELECT sequence FROM claimed)
                   ORDER BY waiting.sequence
                   LIMIT 1) AS first_waiting),
         publishable AS (
           SELECT claimed.* FROM claimed
             LEFT JOIN first_held_elsewhere held USING (message_key)
            WHERE held.sequence IS NULL OR claimed.sequence < held.sequence),
         deleted AS (
           DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM publishable))
    SELECT id, sequence, topic, message_key, payload, headers, created_at, pg_current_wal_lsn()::text AS consistency_token
      FROM publishable
     ORDER BY sequence`;
}
