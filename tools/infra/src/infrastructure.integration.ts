import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { infrastructureStatus, upInfrastructure, type ComponentStatus, type InfrastructureUpResult } from './index';
import { infrastructurePaths } from './lib/infrastructure-paths';
import { waitUntil } from './lib/processes';

/**
 * The local infrastructure, end to end, on the real servers: `up` brings everything to a state a
 * service can use (a Kafka that serves consumer groups and idempotent producers, a replica that
 * streams the primary's writes, a Redis that answers), and a second `up` changes nothing.
 *
 * Leaves everything running, and creates only uniquely named topics and rows, so it can run
 * again at once and next to other projects' integration tests.
 */
describe('local infrastructure', () => {
  let up: InfrastructureUpResult;

  beforeAll(async () => {
    up = await upInfrastructure();
  });

  const byName = (statuses: ComponentStatus[]) => new Map(statuses.map((status) => [status.name, status]));

  it('reports every component running or external', async () => {
    const statuses = byName(await infrastructureStatus());
    for (const name of ['kafka', 'postgres-primary', 'postgres-replica-1', 'redis', 'memcached'] as const) {
      expect(['running', 'external']).toContain(statuses.get(name)?.state);
    }
    if (!up.config.external.postgres) expect(statuses.get('postgres-replica-1')?.detail).toMatch(/^streaming/);
  });

  describe('PostgreSQL', () => {
    it('shows the replica streaming in pg_stat_replication on the primary', async () => {
      if (up.config.external.postgres) return;
      // pg_stat_replication hides its state from ordinary roles: ask as the superuser, over the socket.
      const { primaryUrl } = up.config.postgres;
      const superuser = new Client({
        host: infrastructurePaths().postgres.sockets,
        port: Number(new URL(primaryUrl).port),
        user: 'postgres',
        database: 'postgres',
      });
      await superuser.connect();
      try {
        const { rows } = await superuser.query<{ application_name: string; state: string; slot_name: string }>(
          `SELECT r.application_name, r.state, s.slot_name
             FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid`,
        );
        expect(rows).toContainEqual({ application_name: 'replica-1', state: 'streaming', slot_name: 'replica_1' });
      } finally {
        await superuser.end();
      }
    });

    it('replays a row written on the primary on the replica, which refuses writes', async () => {
      const primary = new Client({ connectionString: up.config.postgres.primaryUrl });
      const replica = new Client({ connectionString: up.config.postgres.replicaUrls[0] });
      await Promise.all([primary.connect(), replica.connect()]);
      try {
        await primary.query(
          'CREATE TABLE IF NOT EXISTS infra_replication_probe (id uuid PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())',
        );
        const id = randomUUID();
        await primary.query('INSERT INTO infra_replication_probe (id) VALUES ($1)', [id]);

        const replicated = await waitUntil(
          async () => {
            // The table itself may not have been replayed yet on a first run.
            const result = await replica.query('SELECT 1 FROM infra_replication_probe WHERE id = $1', [id]).catch(() => undefined);
            return result?.rowCount === 1;
          },
          { timeoutMs: 10_000, intervalMs: 50 },
        );
        expect(replicated).toBe(true);
        expect((await replica.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery')).rows[0]?.in_recovery).toBe(
          true,
        );
        await expect(replica.query('INSERT INTO infra_replication_probe (id) VALUES ($1)', [randomUUID()])).rejects.toThrow(/read-only/);
      } finally {
        await Promise.all([primary.end(), replica.end()]);
      }
    });
  });

  describe('Kafka', () => {
    let admin: Admin;
    const topic = `infra-integration-${randomUUID()}`;
    const kafka = () => new Kafka({ clientId: 'infra-integration-test', brokers: up.config.kafka.brokers, logLevel: logLevel.NOTHING });

    beforeAll(async () => {
      admin = kafka().admin();
      await admin.connect();
    });

    afterAll(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('creates a topic with several partitions, takes idempotent writes and serves a consumer group', async () => {
      const partitions = up.config.kafka.topicPartitions;
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions).toHaveLength(partitions);

      const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const messages = Array.from({ length: 24 }, (_, index) => ({ key: `key-${index}`, value: `message-${index}` }));
      try {
        await producer.send({ topic, acks: -1, messages });
      } finally {
        await producer.disconnect();
      }

      const groupId = `${topic}-group`;
      const consumer = kafka().consumer({ groupId });
      await consumer.connect();
      const received: string[] = [];
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timeout = setTimeout(() => reject(new Error(`received ${received.length} of ${messages.length} messages`)), 30_000);
          consumer
            .run({
              autoCommit: false,
              eachMessage: async ({ partition, message }) => {
                received.push(message.value?.toString() ?? '');
                await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
                if (received.length === messages.length) {
                  clearTimeout(timeout);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      expect(received.sort()).toEqual(messages.map((message) => message.value).sort());

      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const total = committed?.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
      expect(total).toBe(messages.length);
    });
  });

  describe('Redis', () => {
    it('answers PING', async () => {
      const redis = new Redis(up.config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        expect(await redis.ping()).toBe('PONG');
      } finally {
        redis.disconnect();
      }
    });
  });

  it('does nothing on a second up: nothing started, same processes', async () => {
    const pidsBefore = (await infrastructureStatus()).map((status) => [status.name, status.pid]);
    const startedAt = Date.now();
    const again = await upInfrastructure();
    expect(again.started).toEqual([]);
    expect(again.config).toEqual(up.config);
    expect((await infrastructureStatus()).map((status) => [status.name, status.pid])).toEqual(pidsBefore);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});
