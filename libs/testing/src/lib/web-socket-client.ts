import { type IncomingMessage } from 'node:http';
import WebSocket from 'ws';

/** One JSON frame as the order-updates WebSocket sends it. */
export interface ReceivedFrame {
  event: string;
  data: Record<string, unknown>;
  /** `Date.now()` when it arrived, for latency assertions. */
  receivedAt: number;
}

/** An upgrade the server refused: its HTTP answer. */
export class UpgradeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly headers: IncomingMessage['headers'],
    readonly body: string,
  ) {
    super(`WebSocket upgrade refused with ${status}: ${body}`);
  }
}

/**
 * A real WebSocket client (the `ws` package, as a Node client would use) that records every frame
 * it receives, so tests can wait for the frames they expect and assert on all of them.
 */
export class TestWebSocketClient {
  readonly frames: ReceivedFrame[] = [];
  private readonly waiters = new Set<() => void>();
  /** Close code and reason once the server or the client closed the connection. */
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Omit<ReceivedFrame, 'receivedAt'>;
      this.frames.push({ ...frame, receivedAt: Date.now() });
      this.notify();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** Opens a connection; rejects with UpgradeRefusedError when the server answers the upgrade with an error. */
  static connect(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<TestWebSocketClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
      const client = new TestWebSocketClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => reject(new UpgradeRefusedError(response.statusCode ?? 0, response.headers, body)));
      });
      socket.once('error', reject);
    });
  }

  send(event: string, data: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  /** Sends raw text, for frames that are deliberately not the protocol's. */
  sendRaw(text: string): void {
    this.socket.send(text);
  }

  /** The frames of one event type received so far. */
  framesOf(event: string): ReceivedFrame[] {
    return this.frames.filter((frame) => frame.event === event);
  }

  /** Waits until `count` frames of `event` have arrived (all of them, from the first), or fails after `timeoutMs`. */
  waitFor(event: string, count = 1, timeoutMs = 5_000): Promise<ReceivedFrame[]> {
    return this.until(
      () => {
        const frames = this.framesOf(event);
        return frames.length >= count ? frames.slice(0, count) : undefined;
      },
      timeoutMs,
      `${count} '${event}' frame(s)`,
    );
  }

  /** Waits until the connection is closed. */
  waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed, timeoutMs, 'the connection to close');
  }

  async close(): Promise<void> {
    if (this.closed !== undefined) return;
    this.socket.close();
    await this.waitForClose();
  }

  /** Resolves with what `probe` returns once it is defined (checked on every frame and on close). */
  private until<T>(probe: () => T | undefined, timeoutMs: number, description: string): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}; received ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
