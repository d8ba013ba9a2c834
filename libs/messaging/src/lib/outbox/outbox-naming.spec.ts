import { outboxDeleteOnPublishMigration, outboxMigration, outboxMigrations, outboxRejectedMigration } from './outbox-migration';
import { outboxChannel, outboxRejectedTable, outboxTable } from './outbox-naming';

describe('outbox naming', () => {
  it('derives the table and the notification channel from the schema', () => {
    expect(outboxTable('order_service')).toBe('"order_service".outbox');
    expect(outboxChannel('order_service')).toBe('order_service_outbox');
    expect(outboxRejectedTable('order_service')).toBe('"order_service".outbox_rejected');
  });

  it.each([
    ['an upper-case name', 'OrderService'],
    ['an injection attempt', 'x; DROP TABLE users'],
    ['a leading digit', '1orders'],
    ['a name whose channel would exceed 63 characters', 'a'.repeat(57)],
    ['an empty name', ''],
  ])('rejects %s', (_description, schema) => {
    expect(() => outboxTable(schema)).toThrow(/invalid outbox schema name/);
    expect(() => outboxChannel(schema)).toThrow(/invalid outbox schema name/);
    expect(() => outboxRejectedTable(schema)).toThrow(/invalid outbox schema name/);
  });

  it('builds the migration for the schema it is given', () => {
    const migration = outboxMigration('order_service');
    expect(migration.id).toBe('messaging_outbox_v1');
    expect(migration.sql).toContain('CREATE TABLE "order_service".outbox');
    expect(migration.sql).toMatch(/CREATE INDEX \S+ ON "order_service"\.outbox \(sequence\) WHERE published_at IS NULL/);
  });

  it('builds the delete-on-publish migration for the same schema', () => {
    const migration = outboxDeleteOnPublishMigration('order_service');
    expect(migration.id).toBe('messaging_outbox_v3_delete_on_publish');
    expect(migration.sql).toContain('ALTER TABLE "order_service".outbox DROP COLUMN published_at');
    expect(migration.sql).toMatch(/CREATE INDEX \S+ ON "order_service"\.outbox \(sequence\);/);
  });

  it('builds the rejected-events migration for the same schema, last in the list', () => {
    const migration = outboxRejectedMigration('order_service');
    expect(migration.id).toBe('messaging_outbox_v4_rejected');
    expect(migration.sql).toContain('CREATE TABLE "order_service".outbox_rejected');
    expect(outboxMigrations('order_service').map((each) => each.id)).toEqual([
      'messaging_outbox_v1',
      'messaging_outbox_v2_key_order',
      'messaging_outbox_v3_delete_on_publish',
      'messaging_outbox_v4_rejected',
    ]);
  });
});
