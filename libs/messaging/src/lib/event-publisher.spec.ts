import { type Kafka, type Producer } from 'kafkajs';
import { createLogger } from '@workshop/observability';
import { type EncodedEvent, EventPublisher } from './event-publisher';

/** A stand-in for one kafkajs producer: counts what it is asked, fails the sends it is told to. */
class FakeProducer {
  connects = 0;
  sends = 0;
  disconnected = false;
  failingSends = 0;

  async connect(): Promise<void> {
    this.connects += 1;
  }

  async sendBatch(): Promise<void> {
    this.sends += 1;
    // Answers on a later turn, as a broker would, so sends started together are in flight together.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failingSends > 0) {
      this.failingSends -= 1;
      throw new Error('request timed out');
    }
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

/** A client whose producers are fakes; the first one fails its first `failingSends` sends. */
function fakeClient(failingSends: number): { client: Pick<Kafka, 'producer'>; producers: FakeProducer[] } {
  const producers: FakeProducer[] = [];
  const client = {
    producer: () => {
      const producer = new FakeProducer();
      if (producers.length === 0) producer.failingSends = failingSends;
      producers.push(producer);
      return producer as unknown as Producer;
    },
  };
  return { client, producers };
}

const config = { brokers: ['127.0.0.1:1'], clientId: 'event-publisher-spec', topicPartitions: 1 };
const logger = createLogger('event-publisher-spec', 'silent');
const event: EncodedEvent = { topic: 'orders', key: 'order-1', value: Buffer.from('{}'), headers: {} };

describe('EventPublisher', () => {
  it('keeps one producer, connected once, while its sends succeed', async () => {
    const { client, producers } = fakeClient(0);
    const publisher = new EventPublisher(config, logger, client);

    await publisher.publishEncoded([event]);
    await publisher.publishEncoded([event]);

    expect(producers).toHaveLength(1);
    expect(producers[0]).toMatchObject({ connects: 1, sends: 2, disconnected: false });
  });

  it('sends through a new producer after a failed send, and disconnects the failed one', async () => {
    const { client, producers } = fakeClient(1);
    const publisher = new EventPublisher(config, logger, client);

    await expect(publisher.publishEncoded([event])).rejects.toThrow('request timed out');
    await publisher.publishEncoded([event]);

    expect(producers).toHaveLength(2);
    expect(producers[0]).toMatchObject({ sends: 1, disconnected: true });
    expect(producers[1]).toMatchObject({ connects: 1, sends: 1, disconnected: false });
  });

  it('replaces the producer once when sends in flight together fail together', async () => {
    const { client, producers } = fakeClient(2);
    const publisher = new EventPublisher(config, logger, client);

    const outcomes = await Promise.allSettled([publisher.publishEncoded([event]), publisher.publishEncoded([event])]);
    await publisher.publishEncoded([event]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(producers).toHaveLength(2);
    expect(producers[1]).toMatchObject({ sends: 1 });
  });

  it('disconnects the producer in use', async () => {
    const { client, producers } = fakeClient(1);
    const publisher = new EventPublisher(config, logger, client);
    await expect(publisher.publishEncoded([event])).rejects.toThrow();
    await publisher.publishEncoded([event]);

    await publisher.disconnect();

    expect(producers.map((producer) => producer.disconnected)).toEqual([true, true]);
  });
});
