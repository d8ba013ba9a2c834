import type { ComponentStatus } from './infrastructure-component';
import { formatStatusTable, isHealthy } from './status-table';

const running: ComponentStatus = { name: 'kafka', state: 'running', address: '127.0.0.1:19092', pid: 4242, detail: 'Kafka 4.4.0' };
const external: ComponentStatus = { name: 'redis', state: 'external', address: 'cache.internal:6379' };
const stopped: ComponentStatus = { name: 'postgres-replica-1', state: 'stopped', address: '127.0.0.1:15433' };

describe('isHealthy', () => {
  it('holds when everything runs or is external', () => {
    expect(isHealthy([running, external])).toBe(true);
  });

  it('fails when anything is stopped or paused', () => {
    expect(isHealthy([running, stopped])).toBe(false);
    expect(isHealthy([{ ...running, state: 'paused' }])).toBe(false);
  });
});

describe('formatStatusTable', () => {
  it('prints one aligned row per component under a header', () => {
    const lines = formatStatusTable([running, stopped, external]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^COMPONENT\s+STATE\s+ADDRESS\s+PID\s+DETAIL$/);
    expect(lines[1]).toMatch(/^kafka\s+running\s+127\.0\.0\.1:19092\s+4242\s+Kafka 4\.4\.0$/);
    expect(lines[2]).toMatch(/^postgres-replica-1\s+stopped\s+127\.0\.0\.1:15433\s+-$/);
    const stateColumn = lines[0]!.indexOf('STATE');
    expect(lines.slice(1).map((line) => line.indexOf(line.trim().split(/\s+/)[1]!))).toEqual([stateColumn, stateColumn, stateColumn]);
  });
});
