import { memcachedArguments } from './memcached';

describe('memcachedArguments', () => {
  const option = (args: string[], name: string) => args[args.indexOf(name) + 1];

  it('listens on the loopback address and its own port, TCP only', () => {
    const args = memcachedArguments('127.0.0.1', 21211, false);
    expect(option(args, '-l')).toBe('127.0.0.1');
    expect(option(args, '-p')).toBe('21211');
    expect(option(args, '-U')).toBe('0');
  });

  it('names a user only when running as root, which memcached otherwise refuses', () => {
    expect(memcachedArguments('127.0.0.1', 21211, false)).not.toContain('-u');
    expect(option(memcachedArguments('127.0.0.1', 21211, true), '-u')).toBe('root');
  });
});
