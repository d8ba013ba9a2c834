import { infrastructurePaths } from './infrastructure-paths';
import { redisServerArguments } from './redis';

describe('redisServerArguments', () => {
  const paths = infrastructurePaths('/workspace').redis;
  const args = redisServerArguments('127.0.0.1', 16379, paths);
  const option = (name: string) => args[args.indexOf(name) + 1];

  it('binds the loopback address and its own port', () => {
    expect(option('--bind')).toBe('127.0.0.1');
    expect(option('--port')).toBe('16379');
  });

  it('persists nothing: a restart starts with an empty cache', () => {
    expect(option('--save')).toBe('');
    expect(option('--appendonly')).toBe('no');
  });

  it('daemonizes with its pid file and log under .infra/redis', () => {
    expect(option('--daemonize')).toBe('yes');
    expect(option('--pidfile')).toBe('/workspace/.infra/redis/redis.pid');
    expect(option('--logfile')).toBe('/workspace/.infra/redis/redis.log');
  });
});
