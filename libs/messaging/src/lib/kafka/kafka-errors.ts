/**
 * The kafkajs error types for a produce request the broker refuses because its records are too
 * big: one record over the topic's `max.message.bytes` (MESSAGE_TOO_LARGE), or a partition's
 * record batch over it (RECORD_LIST_TOO_LARGE). Neither is retriable: the same bytes will be
 * refused again.
 */
const TOO_LARGE_TYPES: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Whether `error`, from a kafkajs send, says the records were too large. kafkajs wraps the
 * broker's protocol error once per retry layer (`KafkaJSNonRetriableError` with the original as
 * its `cause`), so the chain of causes is searched.
 */
export function isRecordTooLargeError(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current); ) {
    seen.add(current);
    const { type, cause } = current as { type?: unknown; cause?: unknown };
    if (typeof type === 'string' && TOO_LARGE_TYPES.has(type)) return true;
    current = cause;
  }
  return false;
}
