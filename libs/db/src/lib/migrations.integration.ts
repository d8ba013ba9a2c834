import { randomUUID } from 'node:crypto';
import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger } from '@workshop/observability';
import { DatabaseRouter } from './database-router';
import { runMigrations, type Migration } from './migrations';

const infrastructure = loadInfrastructureConfig();
const runId = randomUUID().replaceAll('-', '').slice(0, 12);
const logger = createLogger('db-migrations-test', 'silent');

// Not idempotent on purpose: applying any of these twice fails, so a double run cannot hide.
const widgetMigrations: Migration[] = [
  { id: '001_create_widgets', sql: 'CREATE TABLE widgets (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)' },
  { id: '002_seed_widget', sql: "INSERT INTO widgets (name) VALUES ('first')" },
  {
    id: '003_add_colour',
    sql: "ALTER TABLE widgets ADD COLUMN colour text NOT NULL DEFAULT 'blue'; CREATE INDEX widgets_colour ON widgets (colour)",
  },
];

describe('runMigrations against the real primary', () => {
  const routers: DatabaseRouter[] = [];
  const schemas: string[] = [];
  const createRouter = () => {
    const router = new DatabaseRouter(
      { primaryUrl: infrastructure.postgres.primaryUrl, replicaUrls: [], applicationName: `db-migrations-it-${runId}`, poolSize: 2 },
      logger,
    );
    routers.push(router);
    return router;
  };
  const throwawaySchema = (purpose: string) => {
    const schema = `mig_it_${runId}_${purpose}`;
    schemas.push(schema);
    return schema;
  };
  let db: DatabaseRouter;

  beforeAll(() => {
    db = createRouter();
  });

  afterAll(async () => {
    for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(routers.map((router) => router.close()));
  });

  it('applies every migration once, in order, and is a no-op the second time', async () => {
    const schema = throwawaySchema('once');

    expect(await runMigrations(db, { schema, migrations: widgetMigrations, logger })).toEqual([
      '001_create_widgets',
      '002_seed_widget',
      '003_add_colour',
    ]);
    expect(await runMigrations(db, { schema, migrations: widgetMigrations, logger })).toEqual([]);

    const recorded = await db.query<{ id: string }>(`SELECT id FROM "${schema}".schema_migrations ORDER BY applied_at, id`);
    expect(recorded.rows.map(({ id }) => id)).toEqual(['001_create_widgets', '002_seed_widget', '003_add_colour']);
    expect((await db.query(`SELECT name, colour FROM "${schema}".widgets`)).rows).toEqual([{ name: 'first', colour: 'blue' }]);
  });

  it('applies only the new migrations appended to the list', async () => {
    const schema = throwawaySchema('append');
    await runMigrations(db, { schema, migrations: widgetMigrations.slice(0, 2), logger });
    expect(await runMigrations(db, { schema, migrations: widgetMigrations, logger })).toEqual(['003_add_colour']);
  });

  it('is safe when several instances start at once: each migration runs exactly once', async () => {
    const schema = throwawaySchema('concurrent');
    const instances = [createRouter(), createRouter(), createRouter()];

    const appliedByEach = await Promise.all(
      instances.map((instance) => runMigrations(instance, { schema, migrations: widgetMigrations, logger })),
    );

    expect(appliedByEach.flat().sort()).toEqual(['001_create_widgets', '002_seed_widget', '003_add_colour']);
    expect((await db.query(`SELECT count(*) AS widgets FROM "${schema}".widgets`)).rows).toEqual([{ widgets: 1 }]);
  });

  it('rolls back a failing migration with its record, keeps the ones before it, and resumes from it', async () => {
    const schema = throwawaySchema('failing');
    const broken: Migration[] = [
      widgetMigrations[0],
      { id: '002_broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_column FROM widgets' },
    ];

    await expect(runMigrations(db, { schema, migrations: broken, logger })).rejects.toMatchObject({ code: '42703' });

    const recorded = await db.query<{ id: string }>(`SELECT id FROM "${schema}".schema_migrations`);
    expect(recorded.rows).toEqual([{ id: '001_create_widgets' }]);
    const halfDone = await db.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [
      schema,
      'half_done',
    ]);
    expect(halfDone.rowCount).toBe(0);

    const fixed: Migration[] = [widgetMigrations[0], { id: '002_broken', sql: 'CREATE TABLE half_done (id int)' }];
    expect(await runMigrations(db, { schema, migrations: fixed, logger })).toEqual(['002_broken']);
  });

  it('rejects a schema name that is not a lowercase identifier before touching the database', async () => {
    await expect(runMigrations(db, { schema: 'Robert"; DROP TABLE students; --', migrations: widgetMigrations, logger })).rejects.toThrow(
      /invalid schema name/,
    );
    await expect(runMigrations(db, { schema: '1st_schema', migrations: widgetMigrations, logger })).rejects.toThrow(/invalid schema name/);
  });
});
