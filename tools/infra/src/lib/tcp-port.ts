import { connect } from 'node:net';

/**
 * Whether something accepts TCP connections on host:port. Used before starting a server, so a port
 * taken by another program gives a clear error instead of a server that dies on bind.
 */
export function isPortAcceptingConnections(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (accepting: boolean) => {
      socket.destroy();
      resolve(accepting);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** host and port of a `host:port` address or of a URL such as `postgres://u:p@127.0.0.1:15432/db`. */
export function hostAndPortOf(address: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: url.port ? Number(url.port) : defaultPort };
}
