import { createLogger } from '@workshop/observability';
import { DatabaseRouter } from './database-router';
import { type DatabaseConfig, type SqlExecutor } from './database.types';
import { type Migration, runMigrations } from './migrations';

/** A statement worth watching, with parameters that make it do its usual work. */
export interface NamedQuery {
  name: string;
  sql: string;
  params: readonly unknown[];
}

export interface QueryPlan {
  name: string;
  sql: string;
  /** EXPLAIN (ANALYZE, BUFFERS) as Postgres prints it. */
  text: string;
  /** Every plan node's type (`Index Scan`, `Seq Scan`, `Sort`, ...), outermost first. */
  nodeTypes: string[];
  /** The tables a plan node reads by scanning every row (`Seq Scan`). */
  sequentialScans: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Thrown to roll back the explain transaction, carrying its result out. */
class RollbackWithResult<T> extends Error {
  constructor(readonly result: T) {
    super('rolled back on purpose');
  }
}

/**
 * Runs EXPLAIN (ANALYZE, BUFFERS) for each query on the primary, on data `seed` writes first, all
 * in one transaction that is then rolled back: the seeded rows, the statistics ANALYZE gathers
 * for them and anything an explained write did leave no trace. The plans are the ones the
 * planner picks for tables of the seeded size, which is why the seed should be realistic.
 */
export async function explainQueries(
  db: DatabaseRouter,
  options: { seed: (tx: SqlExecutor) => Promise<void>; queries: (tx: SqlExecutor) => Promise<readonly NamedQuery[]> },
): Promise<QueryPlan[]> {
  try {
    await db.transaction(async (tx) => {
      // Explaining with ANALYZE runs each statement, and a seed may take a while.
      await tx.query('SET LOCAL statement_timeout = 0');
      await options.seed(tx);
      const plans: QueryPlan[] = [];
      for (const query of await options.queries(tx)) plans.push(await explainOne(tx, query));
      throw new RollbackWithResult(plans);
    });
  } catch (error) {
    if (error instanceof RollbackWithResult) return error.result as QueryPlan[];
    throw error;
  }
  throw new Error('explainQueries: the explain transaction committed, which it never should');
}

async function explainOne(tx: SqlExecutor, query: NamedQuery): Promise<QueryPlan> {
  // Each statement runs inside a savepoint rolled back at once: an explained UPDATE changes nothing.
  await tx.query('SAVEPOINT explain_query');
  try {
    const json = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.sql}`,
      query.params,
    );
    await tx.query('ROLLBACK TO SAVEPOINT explain_query');
    const text = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params);
    const root = json.rows[0]?.['QUERY PLAN'][0].Plan;
    const nodes = root === undefined ? [] : flatten(root);
    return {
      name: query.name,
      sql: query.sql,
      text: text.rows.map((row) => row['QUERY PLAN']).join('\n'),
      nodeTypes: nodes.map((node) => node['Node Type']),
      sequentialScans: nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name'] ?? '?'),
    };
  } finally {
    await tx.query('ROLLBACK TO SAVEPOINT explain_query');
  }
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** The plans as a report for a terminal: each query, its SQL, its plan, and a warning for each sequential scan. */
export function formatQueryPlans(plans: readonly QueryPlan[]): string {
  return plans
    .map((plan) => {
      const warning =
        plan.sequentialScans.length === 0 ? '' : `\n!! sequential scan of ${plan.sequentialScans.join(', ')}: an index may be missing`;
      return `== ${plan.name}\n${plan.sql.replace(/\s+/g, ' ').trim()}\n\n${plan.text}${warning}\n`;
    })
    .join('\n');
}

/**
 * The explain tool of a service, in one call: connects with `database`, brings `schema` up to
 * date, explains `queries` on seeded data (rolled back afterwards), prints the report, closes.
 */
export async function printQueryPlans(options: {
  database: DatabaseConfig;
  schema: string;
  migrations: readonly Migration[];
  seed: (tx: SqlExecutor) => Promise<void>;
  queries: (tx: SqlExecutor) => Promise<readonly NamedQuery[]>;
  print?: (report: string) => void;
}): Promise<QueryPlan[]> {
  const db = new DatabaseRouter(options.database, createLogger('explain', 'warn'));
  try {
    await runMigrations(db, { schema: options.schema, migrations: options.migrations });
    const plans = await explainQueries(db, options);
    (options.print ?? console.log)(formatQueryPlans(plans));
    return plans;
  } finally {
    await db.close();
  }
}
