import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { type Logger } from '@workshop/observability';
import { type KafkaConfig } from './kafka-config';

/**
 * kafkajs warnings this lib triggers on purpose. They are demoted to debug so that a warning in
 * the logs always means something an operator should look at.
 */
const EXPECTED_WARNINGS: ReadonlyMap<string, string> = new Map([
  // The publisher bounds the idempotent producer's retries (see event-publisher.ts): the outbox
  // relay must get an error back during an outage so it can release its rows and back off.
  [
    'Limiting retries for the idempotent producer may invalidate EoS guarantees',
    'retries are bounded on purpose: the outbox retries the whole batch',
  ],
]);

/**
 * The one place that builds a kafkajs client. Every other file asks for one here, so the
 * client's settings (and, one day, the client library itself) change in one spot.
 */
export function createKafkaClient(config: KafkaConfig, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    // kafkajs is chatty at info (every join, every connect); warnings and errors are what an
    // operator acts on, and they land in the same JSON stream as the service's own logs.
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => routeKafkaLog(kafkaLogger, entry),
  });
}

/** Writes one kafkajs log entry to pino at the matching level, its extra fields kept as structure. */
export function routeKafkaLog(logger: Logger, entry: LogEntry): void {
  const { message } = entry.log;
  // pino stamps its own time (a second timestamp would only disagree with it) and takes the message apart.
  const fields = Object.fromEntries(Object.entries(entry.log).filter(([name]) => name !== 'message' && name !== 'timestamp'));
  const context = { namespace: entry.namespace, ...fields };
  const expectedBecause = EXPECTED_WARNINGS.get(message);
  if (expectedBecause !== undefined) {
    logger.debug({ ...context, expectedBecause }, message);
    return;
  }
  switch (entry.level) {
    case logLevel.ERROR:
      logger.error(context, message);
      return;
    case logLevel.WARN:
      logger.warn(context, message);
      return;
    case logLevel.INFO:
      logger.info(context, message);
      return;
    case logLevel.DEBUG:
      logger.debug(context, message);
      return;
    case logLevel.NOTHING:
      return;
  }
}
