import { Writable } from 'node:stream';
import { logLevel, type LogEntry } from 'kafkajs';
import pino from 'pino';
import { routeKafkaLog } from './kafka-client';

/** A real pino logger writing to memory, so the test reads exactly what would reach stdout. */
function capturingLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, destination);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function entry(level: logLevel, message: string, extra: Record<string, unknown> = {}): LogEntry {
  return { namespace: 'Connection', level, label: logLevel[level], log: { timestamp: '2025-01-01T00:00:00.000Z', message, ...extra } };
}

describe('routeKafkaLog', () => {
  it('writes each kafkajs level at the matching pino level, with its fields as structure', () => {
    const { logger, lines } = capturingLogger();
    routeKafkaLog(logger, entry(logLevel.ERROR, 'broken', { broker: '127.0.0.1:19092' }));
    routeKafkaLog(logger, entry(logLevel.WARN, 'odd'));
    routeKafkaLog(logger, entry(logLevel.INFO, 'joined'));
    routeKafkaLog(logger, entry(logLevel.DEBUG, 'details'));
    routeKafkaLog(logger, entry(logLevel.NOTHING, 'never shown'));

    expect(lines().map(({ level, msg }) => [level, msg])).toEqual([
      ['error', 'broken'],
      ['warn', 'odd'],
      ['info', 'joined'],
      ['debug', 'details'],
    ]);
    expect(lines()[0]).toMatchObject({ namespace: 'Connection', broker: '127.0.0.1:19092' });
    expect(lines()[0]).not.toHaveProperty('timestamp');
  });

  it('demotes the warning this lib causes on purpose to debug', () => {
    const { logger, lines } = capturingLogger();
    routeKafkaLog(logger, entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    expect(lines()).toEqual([expect.objectContaining({ level: 'debug', expectedBecause: expect.any(String) })]);
  });
});
