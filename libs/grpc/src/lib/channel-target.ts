import { isIPv4 } from 'node:net';

/**
 * Turns a service address as the configuration gives it into a grpc-js target:
 * - `host:port`: one name; grpc-js resolves it through DNS and balances over every address it has.
 * - `10.0.0.1:50051,10.0.0.2:50051`: a fixed list of instances (grpc-js's `ipv4:` scheme, which
 *   takes several addresses); the entries must be IP addresses, since the scheme resolves nothing.
 * - `dns:///user-service:50051`: a name with one address per instance (a headless service, a
 *   scaled compose service), re-resolved when an instance goes away.
 */
export function channelTarget(address: string): string {
  if (address.startsWith('dns:')) return address;
  const entries = address
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 1 && entries[0] !== undefined) return entries[0];
  if (entries.every((entry) => isIPv4(hostOf(entry)))) return `ipv4:${entries.join(',')}`;
  throw new Error(`A list of instances must name IPv4 addresses (use dns:///name:port for a name): ${address}`);
}

function hostOf(entry: string): string {
  return entry.slice(0, entry.lastIndexOf(':'));
}
