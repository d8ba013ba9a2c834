import { CORRELATION_ID_HEADER, runWithCorrelationId } from '@workshop/observability';
import { runWithTraceContext, TRACEPARENT_HEADER } from '../trace-context';
import { type EventContext } from './event-context';

/**
 * Runs `work` as part of one event's story: under its producer's correlation id and trace, so
 * what `work` logs carries that id and the events it enqueues continue that trace. The consumer
 * does this for every `@HandlesEvent` handler; a batch handler, which runs under a fresh id for
 * the whole batch, calls it around each event's own work.
 */
export function runInEventScope<T>(event: Pick<EventContext, 'headers'>, work: () => T): T {
  return runWithCorrelationId(event.headers[CORRELATION_ID_HEADER], () => runWithTraceContext(event.headers[TRACEPARENT_HEADER], work));
}
