/**
 * A consumer process for the "killed mid-batch" test: it runs `effectConsumer` until it is
 * SIGKILLed.
 *
 *   node -r @swc-node/register effect-consumer.process.ts <schema> <topic> <group>
 */
import { createLogger } from '@workshop/observability';
import { jsonTopic } from './messaging-test-support';
import { effectConsumer, testDatabase } from './inbox-effects';

const [schema, topicName, groupId] = process.argv.slice(2);
if (!schema || !topicName || !groupId) throw new Error('usage: effect-consumer.process.ts <schema> <topic> <group>');
const logger = createLogger('effect-consumer', 'warn');
const db = testDatabase('effect-consumer', logger);
effectConsumer({ db, schema, topic: jsonTopic(topicName), groupId, logger, handlerDelayMs: 15 })
  .start()
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
