import { types } from 'node:util';
import { DatabaseError } from 'pg';

/**
 * Why a read left its replica for the primary; the `reason` label of `db_replica_fallbacks_total`.
 * A small closed set, so the metric's cardinality stays bounded.
 */
export type ReplicaFallbackReason =
  /** The replica could not be reached or dropped the connection (refused, reset, DNS, terminated). */
  | 'connection_error'
  /** No connection could be opened within `connectionTimeoutMs`, or the socket went silent. */
  | 'connection_timeout'
  /** The server cancelled the statement after `statementTimeoutMs` (an overloaded or stalled replica). */
  | 'statement_timeout'
  /** The replica is up but not accepting work: starting, shutting down, or out of connections. */
  | 'replica_unavailable'
  /** Replay of the primary's WAL cancelled the read (a hot-standby conflict): a replica-only failure. */
  | 'recovery_conflict';

/** Error codes Node's socket layer uses when a server cannot be reached or goes away. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ECONNABORTED',
]);

const NETWORK_TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/**
 * pg reports its own connection-level failures as plain Errors with no code, so the message is
 * the only signal. These strings are pg's and pg-pool's (see their sources); a test pins them.
 */
const PG_CONNECTION_LOST_MESSAGES = ['Connection terminated unexpectedly', 'Connection terminated'];
const PG_TIMEOUT_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'Query read timeout',
];

/** SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) that mean "this server", not "this SQL". */
const SQLSTATE_STATEMENT_TIMEOUT = '57014'; // query_canceled: statement_timeout fired
const SQLSTATE_RECOVERY_CONFLICT = '40001'; // serialization_failure: on a standby, "conflict with recovery"
const SQLSTATE_DATABASE_DROPPED = '57P04'; // a recovery conflict that drops the connection
const SQLSTATES_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the standby is still starting
  '53300', // too_many_connections
  '53000', // insufficient_resources
]);
const SQLSTATE_CLASS_CONNECTION_EXCEPTION = '08';

/**
 * Decides whether a failed replica read should be retried on the primary, and why.
 *
 * Only failures of the replica itself qualify: it is unreachable, slow, or refusing work. An
 * error in the SQL (syntax, missing table, constraint, an attempted write on a read-only
 * standby) returns `undefined`, because the primary would fail the same way and the caller
 * must see the real error. Reads are idempotent, so retrying one elsewhere is always safe.
 */
export function classifyReplicaFailure(error: unknown): ReplicaFallbackReason | undefined {
  if (error instanceof DatabaseError) return classifyServerError(error.code);
  if (!isError(error)) return undefined;

  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) {
    if (NETWORK_ERROR_CODES.has(code)) return 'connection_error';
    if (NETWORK_TIMEOUT_CODES.has(code)) return 'connection_timeout';
  }
  // Checked before the "lost" messages: one of the timeout messages starts with "Connection terminated".
  if (PG_TIMEOUT_MESSAGES.includes(error.message)) return 'connection_timeout';
  if (PG_CONNECTION_LOST_MESSAGES.includes(error.message)) return 'connection_error';
  // Node wraps several failed connection attempts (IPv4 and IPv6 of one host) in an AggregateError.
  if (isAggregateError(error)) {
    const reasons = error.errors.map(classifyReplicaFailure);
    if (reasons.length > 0 && reasons.every((reason) => reason !== undefined)) return reasons[0];
  }
  return undefined;
}

function classifyServerError(sqlState: string | undefined): ReplicaFallbackReason | undefined {
  if (sqlState === undefined) return undefined;
  if (sqlState === SQLSTATE_STATEMENT_TIMEOUT) return 'statement_timeout';
  if (sqlState === SQLSTATE_RECOVERY_CONFLICT || sqlState === SQLSTATE_DATABASE_DROPPED) return 'recovery_conflict';
  if (SQLSTATES_UNAVAILABLE.has(sqlState)) return 'replica_unavailable';
  if (sqlState.startsWith(SQLSTATE_CLASS_CONNECTION_EXCEPTION)) return 'connection_error';
  return undefined;
}

/**
 * Errors from Node's socket layer are created in Node's own realm, so `instanceof Error` is false
 * for them wherever code runs in another one (a Jest sandbox, a vm context); check the tag instead.
 */
function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

function isAggregateError(error: Error): error is AggregateError {
  return Array.isArray((error as Partial<AggregateError>).errors);
}
