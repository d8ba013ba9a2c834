import { type Pool } from 'pg';

/**
 * Makes sure no connection of `pool` can crash the process with an unhandled 'error' event.
 *
 * node-postgres emits 'error' on a client whose server goes away. The pool listens while the
 * client is idle, and a statement in flight gets the error as its rejection, but a checked-out
 * client between statements (or one that emits a second error after the first failed its query)
 * has no listener, and an EventEmitter 'error' without one throws. Stopping a replica under load
 * does exactly that. The listener added here only records; the failure itself still reaches the
 * caller through the statement that meets the dead connection.
 */
export function guardConnectionErrors(pool: Pool, onError: (error: Error) => void): Pool {
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}
