import { createLogger, type Logger } from '@workshop/observability';
import { type DatabaseRouter } from './database-router';
import { type SqlExecutor } from './database.types';

/** One forward-only schema change. `id` is recorded once applied; never edit or reorder a released one. */
export interface Migration {
  id: string;
  sql: string;
}

export interface RunMigrationsOptions {
  /** The schema the migrations own, a lowercase identifier such as `user_service`. */
  schema: string;
  /** Every migration ever written for the schema, oldest first. */
  migrations: readonly Migration[];
  logger?: Logger;
}

/** The pending migrations, in the order they must run. */
export interface MigrationPlan {
  pending: Migration[];
  /** Recorded as applied but not in the list: a newer release's migrations, seen during a rollback. */
  unknownApplied: string[];
}

const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Brings `schema` up to date: creates it and its `schema_migrations` table if needed, then applies
 * each pending migration in list order, each in its own transaction together with its
 * `schema_migrations` row, so a migration is either fully applied and recorded or not at all.
 * Returns the ids applied by this call (empty when already up to date).
 *
 * Safe when several instances start at once: every step holds a transaction-level advisory lock
 * derived from the schema name, and re-checks under the lock whether the migration is still
 * pending, so each one runs exactly once across all instances.
 */
export async function runMigrations(db: DatabaseRouter, options: RunMigrationsOptions): Promise<string[]> {
  const { schema, migrations } = options;
  const logger = (options.logger ?? createLogger('db')).child({ component: 'migrations', schema });
  assertValidSchemaName(schema);
  assertUniqueIds(migrations);
  const migrationsTable = `${quoteIdentifier(schema)}.schema_migrations`;
  const lockName = `workshop.migrations:${schema}`;

  const plan = await db.transaction(async (tx) => {
    await lockMigrations(tx, lockName);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${migrationsTable} (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    return planMigrations(migrations, await appliedMigrationIds(tx, migrationsTable));
  });
  if (plan.unknownApplied.length > 0) {
    logger.warn(
      { unknownApplied: plan.unknownApplied },
      'the database has migrations this release does not know (a rollback?); leaving them in place',
    );
  }

  const appliedNow: string[] = [];
  for (const migration of plan.pending) {
    const applied = await db.transaction(async (tx) => {
      await lockMigrations(tx, lockName);
      // Another instance may have applied it while this one waited for the lock.
      const { rowCount } = await tx.query(`SELECT 1 FROM ${migrationsTable} WHERE id = $1`, [migration.id]);
      if (rowCount > 0) return false;
      // Unqualified names in a migration land in its schema, so one script works in any schema.
      await tx.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}, public`);
      await tx.query(migration.sql);
      await tx.query(`INSERT INTO ${migrationsTable} (id) VALUES ($1)`, [migration.id]);
      return true;
    });
    if (applied) {
      appliedNow.push(migration.id);
      logger.info({ migration: migration.id }, 'migration applied');
    }
  }
  return appliedNow;
}

/**
 * Which migrations still have to run, given the ids already applied. Refuses a list whose history
 * was rewritten: a pending migration placed before one already applied would run after it in
 * the database but before it in every fresh one, so environments would silently diverge.
 */
export function planMigrations(migrations: readonly Migration[], appliedIds: readonly string[]): MigrationPlan {
  assertUniqueIds(migrations);
  const applied = new Set(appliedIds);
  const pending = migrations.filter((migration) => !applied.has(migration.id));
  const firstPendingIndex = migrations.findIndex((migration) => !applied.has(migration.id));
  if (firstPendingIndex !== -1) {
    const appliedAfterPending = migrations.slice(firstPendingIndex + 1).filter((migration) => applied.has(migration.id));
    if (appliedAfterPending.length > 0) {
      throw new Error(
        `migration ${migrations[firstPendingIndex].id} is pending but later migrations are already applied ` +
          `(${appliedAfterPending.map((migration) => migration.id).join(', ')}); add new migrations at the end of the list`,
      );
    }
  }
  const known = new Set(migrations.map((migration) => migration.id));
  return { pending, unknownApplied: appliedIds.filter((id) => !known.has(id)) };
}

/** Double-quotes an SQL identifier, doubling any quote inside it. */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function assertValidSchemaName(schema: string): void {
  if (!SCHEMA_NAME_PATTERN.test(schema)) {
    throw new Error(
      `invalid schema name ${JSON.stringify(schema)}: expected a lowercase identifier (a-z, 0-9, _; not starting with a digit; at most 63 characters)`,
    );
  }
}

function assertUniqueIds(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const { id } of migrations) {
    if (id.trim() === '') throw new Error('a migration has an empty id');
    if (seen.has(id)) throw new Error(`migration id ${id} appears more than once`);
    seen.add(id);
  }
}

/**
 * Serializes migration runners for one schema until the surrounding transaction ends. The
 * statement timeout is lifted for the transaction: waiting for another instance's migration, or
 * building an index, may rightly take longer than an ordinary query.
 */
async function lockMigrations(tx: SqlExecutor, lockName: string): Promise<void> {
  await tx.query('SET LOCAL statement_timeout = 0');
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
}

async function appliedMigrationIds(tx: SqlExecutor, migrationsTable: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(`SELECT id FROM ${migrationsTable} ORDER BY applied_at, id`);
  return rows.map((row) => row.id);
}
