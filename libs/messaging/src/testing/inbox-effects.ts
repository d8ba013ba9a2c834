import { loadInfrastructureConfig } from '@workshop/config';
import { DatabaseRouter } from '@workshop/db';
import { type Logger } from '@workshop/observability';
import { type EventContext } from '../lib/consumer/event-context';
import { EventConsumer } from '../lib/consumer/event-consumer';
import { Inbox } from '../lib/inbox/inbox';
import { testKafkaConfig, type TestEvent } from './messaging-test-support';
import { type TopicContract } from '@workshop/contracts';

// The consumer the exactly-once tests run, in the test process and in a child process they kill:
// each event, through the inbox, appends one row to `<schema>.effects`.

export function testDatabase(applicationName: string, logger: Logger): DatabaseRouter {
  return new DatabaseRouter(
    { primaryUrl: loadInfrastructureConfig().postgres.primaryUrl, replicaUrls: [], applicationName, poolSize: 6 },
    logger,
  );
}

export const effectsTableSql = (schema: string) => `
  CREATE TABLE "${schema}".effects (
    applied_order bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL,
    message_key text NOT NULL,
    sequence int NOT NULL
  )`;

/** A consumer of `topic` whose effect is one `effects` row per event, written through the inbox. */
export function effectConsumer(options: {
  db: DatabaseRouter;
  schema: string;
  topic: TopicContract<TestEvent>;
  groupId: string;
  logger: Logger;
  handlerDelayMs?: number;
}): EventConsumer {
  const inbox = new Inbox(options.db, options.schema);
  return new EventConsumer({ ...testKafkaConfig(`messaging-it-${options.groupId}`), groupId: options.groupId }, options.logger).on(
    options.topic,
    async (payload: TestEvent, context: EventContext) => {
      await inbox.processOnce(context, async (tx) => {
        if (options.handlerDelayMs) await new Promise((resolve) => setTimeout(resolve, options.handlerDelayMs));
        await tx.query(`INSERT INTO "${options.schema}".effects (event_id, message_key, sequence) VALUES ($1, $2, $3)`, [
          context.eventId,
          context.key,
          payload.sequence,
        ]);
      });
    },
  );
}
