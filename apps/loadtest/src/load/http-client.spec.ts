import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { HttpClient } from './http-client';

describe('HttpClient', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Answers after 20 ms, so requests sent together overlap.
    server = createServer((_request, response) => setTimeout(() => response.end('ok'), 20));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts the connections it opens: one kept alive for requests in turn, one more per overlapping request', async () => {
    const client = new HttpClient(url, { maxSockets: 8, timeoutMs: 5_000 });
    try {
      for (let index = 0; index < 3; index += 1) await client.send({ method: 'GET', path: '/' });
      expect(client.connectionsOpened).toBe(1);

      await Promise.all(Array.from({ length: 3 }, () => client.send({ method: 'GET', path: '/' })));
      expect(client.connectionsOpened).toBe(3);
    } finally {
      client.close();
    }
  });
});
