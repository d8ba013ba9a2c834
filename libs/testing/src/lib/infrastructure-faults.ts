import { type ComponentName, startComponent, stopComponent } from '@workshop/infra';

/**
 * Runs `action` while one component of this checkout's own infrastructure is stopped, as an
 * operator (or a crash) would stop it, and starts it again afterwards even when `action` fails.
 * For tests of how the system degrades: a Redis outage, a lost replica.
 */
export async function whileStopped<T>(component: ComponentName, action: () => Promise<T>): Promise<T> {
  await stopComponent(component);
  try {
    return await action();
  } finally {
    await startComponent(component);
  }
}
