import { type Pool } from 'pg';
import { type Logger } from '@workshop/observability';

/** Statements EXPLAIN accepts; DDL, SET, BEGIN/COMMIT and multi-statement scripts are logged without a plan. */
const EXPLAINABLE = /^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|MERGE|VALUES|TABLE)\b/i;
/** One plan per statement text per this interval: a slow query repeated a thousand times logs its plan once. */
const PLAN_INTERVAL_MS = 60_000;

/**
 * Logs statements slower than a threshold, with the plan the server chooses for them.
 *
 * The plan comes from plain `EXPLAIN` (never `ANALYZE`, which would run a write a second time),
 * on the same server, with the same parameters, after the statement finished: the caller never
 * waits for it. Its text is the first thing to read when a query regresses: a `Seq Scan` where an
 * `Index Scan` was expected says which index is missing.
 */
export class SlowQueryLog {
  private readonly lastPlanAt = new Map<string, number>();

  constructor(
    private readonly thresholdMs: number,
    private readonly logger: Logger,
  ) {}

  observe(statement: { pool: Pool; node: string; text: string; params: readonly unknown[] | undefined; durationMs: number }): void {
    if (statement.durationMs < this.thresholdMs) return;
    const details = { node: statement.node, durationMs: Math.round(statement.durationMs), sql: statement.text };
    const now = Date.now();
    const planDue = now - (this.lastPlanAt.get(statement.text) ?? 0) >= PLAN_INTERVAL_MS;
    if (!planDue || !EXPLAINABLE.test(statement.text) || statement.text.includes(';')) {
      this.logger.warn(details, 'slow query');
      return;
    }
    this.lastPlanAt.set(statement.text, now);
    statement.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.params as unknown[] | undefined).then(
      ({ rows }) => this.logger.warn({ ...details, plan: rows.map((row) => row['QUERY PLAN']).join('\n') }, 'slow query'),
      (error: unknown) => this.logger.warn({ ...details, planError: error instanceof Error ? error.message : String(error) }, 'slow query'),
    );
  }
}
