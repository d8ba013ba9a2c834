import { planMigrations, quoteIdentifier, type Migration } from './migrations';

const migration = (id: string): Migration => ({ id, sql: `-- ${id}` });
const ids = (migrations: readonly Migration[]) => migrations.map(({ id }) => id);

describe('planMigrations', () => {
  const all = [migration('001_users'), migration('002_email_index'), migration('003_orders')];

  it('runs everything, in list order, on an empty database', () => {
    expect(ids(planMigrations(all, []).pending)).toEqual(['001_users', '002_email_index', '003_orders']);
  });

  it('keeps list order even when ids would sort differently', () => {
    const unsorted = [migration('b'), migration('a'), migration('c')];
    expect(ids(planMigrations(unsorted, []).pending)).toEqual(['b', 'a', 'c']);
  });

  it('runs only what is not applied yet', () => {
    expect(ids(planMigrations(all, ['001_users']).pending)).toEqual(['002_email_index', '003_orders']);
  });

  it('is a no-op when up to date', () => {
    expect(planMigrations(all, ['001_users', '002_email_index', '003_orders'])).toEqual({ pending: [], unknownApplied: [] });
  });

  it('refuses a migration inserted before one already applied', () => {
    expect(() => planMigrations(all, ['001_users', '003_orders'])).toThrow(
      /002_email_index is pending but later migrations are already applied \(003_orders\)/,
    );
  });

  it('reports applied ids this release does not know instead of failing (a rollback)', () => {
    const plan = planMigrations(all.slice(0, 2), ['001_users', '002_email_index', '003_orders']);
    expect(plan).toEqual({ pending: [], unknownApplied: ['003_orders'] });
  });

  it('refuses duplicate and empty ids', () => {
    expect(() => planMigrations([migration('001'), migration('001')], [])).toThrow(/001 appears more than once/);
    expect(() => planMigrations([migration(' ')], [])).toThrow(/empty id/);
  });
});

describe('quoteIdentifier', () => {
  it('double-quotes, doubling embedded quotes', () => {
    expect(quoteIdentifier('user_service')).toBe('"user_service"');
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
  });
});
