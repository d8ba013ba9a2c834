/**
 * Lists or replays a consumer group's dead letters:
 *
 *   npx nx run messaging:dead-letters -- list   --group user-service.order-statistics
 *   npx nx run messaging:dead-letters -- replay --group user-service.order-statistics
 *
 * `list` prints one JSON line per dead letter (reason, error, attempts, original topic, partition
 * and offset) and moves nothing. `replay` sends the dead letters not replayed before back
 * through the group's first retry topic. Kafka is the one `KAFKA_BROKERS` names (the project's
 * own by default).
 */
import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger } from '@workshop/observability';
import { listDeadLetters, replayDeadLetters } from '../lib/dead-letters/dead-letters';

const USAGE = 'usage: dead-letters.main.ts <list|replay> --group <consumer group>';

async function main(args: readonly string[]): Promise<void> {
  const [command] = args;
  const groupIndex = args.indexOf('--group');
  const groupId = groupIndex >= 0 ? args[groupIndex + 1] : undefined;
  if ((command !== 'list' && command !== 'replay') || groupId === undefined) throw new Error(USAGE);
  const { kafka } = loadInfrastructureConfig();
  const config = { brokers: kafka.brokers, clientId: 'dead-letters-cli', topicPartitions: kafka.topicPartitions };
  const logger = createLogger('dead-letters', 'warn');
  if (command === 'list') {
    const letters = await listDeadLetters(config, groupId, logger);
    for (const letter of letters) console.log(JSON.stringify(letter));
    console.error(`${letters.length} dead letter(s) in ${groupId}.dlq`);
    return;
  }
  const replayed = await replayDeadLetters(config, groupId, logger);
  console.error(`replayed ${replayed} dead letter(s) into ${groupId}'s first retry topic`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
