import { createServer } from 'node:net';
import { hostAndPortOf, isPortAcceptingConnections } from './tcp-port';

describe('hostAndPortOf', () => {
  it('reads host:port and URLs, with a default port', () => {
    expect(hostAndPortOf('127.0.0.1:19092', 9092)).toEqual({ host: '127.0.0.1', port: 19092 });
    expect(hostAndPortOf('postgres://u:p@127.0.0.1:15432/db', 5432)).toEqual({ host: '127.0.0.1', port: 15432 });
    expect(hostAndPortOf('redis://cache', 6379)).toEqual({ host: 'cache', port: 6379 });
  });
});

describe('isPortAcceptingConnections', () => {
  it('tells a listening port from a closed one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
    expect(await isPortAcceptingConnections('127.0.0.1', address.port)).toBe(true);
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    expect(await isPortAcceptingConnections('127.0.0.1', address.port)).toBe(false);
  });
});
