import { setReplicaApplyDelay } from '@workshop/infra';

/** The local replicas' component names, 1..count. */
const replicaNames = (count: number) => Array.from({ length: count }, (_, index) => `postgres-replica-${index + 1}` as const);

/**
 * Makes the local replicas lag by `delayMs` (each applies a transaction that long after the
 * primary committed it) for the duration of `work`, then removes the delay, even if `work`
 * throws. For tests and load scenarios that must meet replication lag on purpose.
 */
export async function withReplicaLag<T>(options: { delayMs: number; replicas?: number }, work: () => Promise<T>): Promise<T> {
  const names = replicaNames(options.replicas ?? 1);
  await Promise.all(names.map((name) => setReplicaApplyDelay(name, options.delayMs)));
  try {
    return await work();
  } finally {
    await Promise.all(names.map((name) => setReplicaApplyDelay(name, 0)));
  }
}
