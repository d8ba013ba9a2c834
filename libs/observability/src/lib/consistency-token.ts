import { ContextSlot } from './request-context';

/**
 * The HTTP header, gRPC metadata key and Kafka header that carry a consistency token: the
 * Postgres WAL position (LSN) of the newest write a client has seen committed. A read that
 * carries it is served only by a server that has replayed at least that far (read-your-writes;
 * see libs/db). One name on every hop, like the correlation id.
 */
export const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token';

/** The cookie the gateway keeps the token in for browsers, which resend it without being told. */
export const CONSISTENCY_TOKEN_COOKIE = 'consistency_token';

/** A WAL position as Postgres prints it: two hexadecimal halves, e.g. `0/16B3748`. */
export type ConsistencyToken = string;

const LSN_TEXT = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/** The token in `text` when it is a well-formed LSN, otherwise undefined (tokens arrive from clients). */
export function parseConsistencyToken(text: string | undefined): ConsistencyToken | undefined {
  return text !== undefined && LSN_TEXT.test(text) ? text.toUpperCase() : undefined;
}

/** An LSN as one 64-bit number, so positions can be compared and subtracted (bytes of WAL). */
export function lsnToBigInt(lsn: ConsistencyToken): bigint {
  const [high = '0', low = '0'] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** The later of two tokens; undefined only when both are. */
export function laterConsistencyToken(a: ConsistencyToken | undefined, b: ConsistencyToken | undefined): ConsistencyToken | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return lsnToBigInt(b) > lsnToBigInt(a) ? b : a;
}

/**
 * The consistency state of one unit of work (an HTTP request, an RPC, a consumed event): the
 * newest write position it must be able to read. It starts from the token the caller sent and
 * moves forward as the work commits writes or hears of newer ones from the services it calls.
 */
export class ConsistencySession {
  private current: ConsistencyToken | undefined;

  constructor(received?: ConsistencyToken) {
    this.current = received;
  }

  get token(): ConsistencyToken | undefined {
    return this.current;
  }

  /** Records a position this work has written or seen; the session keeps the later one. */
  observe(token: ConsistencyToken | undefined): void {
    this.current = laterConsistencyToken(this.current, token);
  }
}

const consistencySessionContext = new ContextSlot<ConsistencySession>('consistencySession');

/** The session of the work in progress, carried across awaits in its context slot; undefined outside one. */
export function currentConsistencySession(): ConsistencySession | undefined {
  return consistencySessionContext.current();
}

/**
 * Runs `work` in a new consistency session starting from `received` (ignored unless it is a
 * well-formed token). The session is returned to `work` so an edge can send the final token back.
 */
export function runWithConsistencyToken<T>(received: string | undefined, work: (session: ConsistencySession) => T): T {
  const session = new ConsistencySession(parseConsistencyToken(received));
  return consistencySessionContext.run(session, () => work(session));
}
