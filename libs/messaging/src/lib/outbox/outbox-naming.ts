/**
 * A schema name this lib can put into SQL as is. Identifiers cannot be bound as query
 * parameters, so the name is validated instead: a lowercase identifier, short enough that the
 * notification channel derived from it stays within Postgres's 63-character identifier limit.
 */
const OUTBOX_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,55}$/;

/** `<schema>.outbox`, after checking that `schema` is safe to interpolate. */
export function outboxTable(schema: string): string {
  assertOutboxSchemaName(schema);
  return `"${schema}".outbox`;
}

/** `<schema>.outbox_rejected`: events the broker refused as too large, kept for an operator (see `OutboxRelay`). */
export function outboxRejectedTable(schema: string): string {
  assertOutboxSchemaName(schema);
  return `"${schema}".outbox_rejected`;
}

/** `<schema>.inbox`, after checking that `schema` is safe to interpolate. */
export function inboxTable(schema: string): string {
  assertOutboxSchemaName(schema);
  return `"${schema}".inbox`;
}

/** The LISTEN/NOTIFY channel on which enqueuing into `schema`'s outbox wakes the relays. */
export function outboxChannel(schema: string): string {
  assertOutboxSchemaName(schema);
  return `${schema}_outbox`;
}

function assertOutboxSchemaName(schema: string): void {
  if (!OUTBOX_SCHEMA_NAME.test(schema)) {
    throw new Error(
      `invalid outbox schema name ${JSON.stringify(schema)}: expected a lowercase identifier (a-z, 0-9, _; not starting with a digit; at most 56 characters)`,
    );
  }
}
