import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { type Socket } from 'node:net';

/** The gateway's read-your-writes header (libs/observability's CONSISTENCY_TOKEN_HEADER). */
const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, e.g. `/users/6b0c…?limit=10`. */
  path: string;
  body?: unknown;
  /** Per-request headers, e.g. a seeded user's `Authorization`. */
  headers?: OutgoingHttpHeaders;
}

export interface HttpResponse {
  /** 0 when there was no answer: refused, reset, or timed out. */
  status: number;
  body: string;
  /** The consistency token a write answered with (libs/db read-your-writes), to send back on the next read. */
  consistencyToken?: string;
}

/** The status a request that got no HTTP answer is recorded with. */
export const NO_RESPONSE = 0;

/**
 * A keep-alive HTTP/1.1 client for one base URL, on node:http directly: a load generator's own
 * overhead must stay small next to what it measures (fetch/undici costs several times more CPU per
 * request here). Never throws: a failure is a response with status 0, so a generator can count it.
 */
export class HttpClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly knownSockets = new WeakSet<Socket>();
  private opened = 0;

  constructor(
    baseUrl: string,
    private readonly options: { maxSockets: number; timeoutMs: number },
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    // Enough sockets that an open-loop run is not throttled by the client, few enough that a
    // stalled system does not open thousands of connections.
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /**
   * Connections this client has opened so far. A pool that keeps growing during a run means the
   * system stalled and every request due meanwhile found no idle connection: a new connection
   * costs the server more than a request on an open one, so a run should say how many it opened.
   */
  get connectionsOpened(): number {
    return this.opened;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve) => {
      const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
      const headers: OutgoingHttpHeaders = { ...request.headers };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      let settled = false;
      const settle = (response: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(response);
      };
      const outgoing = httpRequest(
        { agent: this.agent, host: this.host, port: this.port, method: request.method, path: request.path, headers },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => {
            const token = incoming.headers[CONSISTENCY_TOKEN_HEADER];
            settle({
              status: incoming.statusCode ?? NO_RESPONSE,
              body: Buffer.concat(chunks).toString(),
              ...(typeof token === 'string' ? { consistencyToken: token } : {}),
            });
          });
          incoming.on('error', () => settle({ status: NO_RESPONSE, body: '' }));
        },
      );
      // The timeout covers waiting for a socket too: an open-loop request queued behind a stalled
      // system fails after timeoutMs instead of waiting for ever.
      const timer = setTimeout(() => {
        settle({ status: NO_RESPONSE, body: '' });
        outgoing.destroy();
      }, this.options.timeoutMs);
      outgoing.on('error', () => settle({ status: NO_RESPONSE, body: '' }));
      outgoing.once('socket', (socket: Socket) => {
        if (this.knownSockets.has(socket)) return;
        this.knownSockets.add(socket);
        this.opened += 1;
      });
      outgoing.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
