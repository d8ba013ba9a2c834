import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KAFKA_VERSION, kafkaLoggingConfig, kafkaServerProperties, newKafkaClusterId } from './kafka';

function parseProperties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('kafkaServerProperties', () => {
  const properties = parseProperties(
    kafkaServerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093, dataDirectory: '/data/kafka', partitions: 6 }),
  );

  it('runs one node as both broker and KRaft controller on its own ports', () => {
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(properties.get('controller.quorum.bootstrap.servers')).toBe('127.0.0.1:19093');
    expect(properties.get('log.dirs')).toBe('/data/kafka');
  });

  it('never creates topics implicitly and uses the configured partition count', () => {
    expect(properties.get('auto.create.topics.enable')).toBe('false');
    expect(properties.get('num.partitions')).toBe('6');
  });

  it('gives internal topics one replica and consumer groups no initial rebalance delay', () => {
    expect(properties.get('offsets.topic.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.min.isr')).toBe('1');
    expect(properties.get('group.initial.rebalance.delay.ms')).toBe('0');
  });
});

describe('kafkaLoggingConfig', () => {
  it('sends the broker log to the given file only', () => {
    const config = kafkaLoggingConfig('/infra/kafka/kafka.log');
    expect(config).toContain('appender.file.fileName = /infra/kafka/kafka.log');
    expect(config).toContain('rootLogger.appenderRef.file.ref = file');
    expect(config).not.toMatch(/Console/i);
  });
});

describe('newKafkaClusterId', () => {
  it('is 16 random bytes in URL-safe base64, never starting with a dash', () => {
    const ids = Array.from({ length: 200 }, () => newKafkaClusterId());
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('KAFKA_VERSION', () => {
  it('is the default version in the pom that lists the broker jars', () => {
    const pom = readFileSync(resolve(__dirname, '../../kafka/pom.xml'), 'utf8');
    expect(pom).toContain(`<kafka.version>${KAFKA_VERSION}</kafka.version>`);
  });
});
