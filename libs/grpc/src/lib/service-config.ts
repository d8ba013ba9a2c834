/** Which calls grpc-js may retry and how, and how it spreads calls over instances. */
export interface RetrySettings {
  /**
   * Methods that may run twice without harm (reads), by their proto name: `GetUser`. Only these
   * are retried: a CreateUser whose answer was lost may have created the user.
   */
  idempotentMethods: readonly string[];
  /** Attempts per call, the first included; 1 turns retries off. */
  maxAttempts: number;
}

/** Exponential backoff between attempts; grpc-js waits a random time up to the current step (full jitter). */
export const RETRY_BACKOFF = { initialBackoff: '0.05s', maxBackoff: '1s', backoffMultiplier: 2 } as const;

/**
 * The retry budget (gRPC "retry throttling"): each failed attempt takes a token, each success
 * gives back `tokenRatio`; while fewer than half of `maxTokens` remain, nothing is retried. So
 * retries add at most about one call in ten in steady state, and a service that is down for
 * everyone is not hammered with retries on top of the load that brought it down. 100 tokens let
 * a burst of 50 calls caught by one instance's death all be retried.
 */
export const RETRY_BUDGET = { maxTokens: 100, tokenRatio: 0.1 } as const;

/**
 * The grpc-js service config of a channel to the services of `serviceDefinitions` (generated
 * descriptors, keyed by fully qualified service name):
 * - `round_robin`: one connection to every instance the target resolves to, calls spread over
 *   the ready ones. (The default, `pick_first`, would send everything to one instance.)
 * - a retry policy for the idempotent methods only, on UNAVAILABLE only: the status of a call
 *   that never reached a handler or whose connection died, the one failure another instance
 *   can fix. DEADLINE_EXCEEDED is not retried: the time is spent.
 * - the retry budget above.
 */
export function serviceConfig(serviceDefinitions: Record<string, unknown>, retry: RetrySettings): string {
  const retryable = idempotentMethods(serviceDefinitions, retry.idempotentMethods);
  const methodConfig =
    retry.maxAttempts > 1 && retryable.length > 0
      ? [
          {
            name: retryable,
            retryPolicy: { maxAttempts: retry.maxAttempts, ...RETRY_BACKOFF, retryableStatusCodes: ['UNAVAILABLE'] },
          },
        ]
      : [];
  return JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }], methodConfig, retryThrottling: RETRY_BUDGET });
}

/** An RPC of a service: `{ service: 'user.v1.UserService', method: 'GetUser' }`, as a service config names it. */
export interface MethodName {
  service: string;
  method: string;
}

/**
 * The methods named in `names` (`GetUser`) among the services of `serviceDefinitions`; a name
 * that is no method of theirs fails at start-up, so a typo cannot silently disable retries.
 */
export function idempotentMethods(serviceDefinitions: Record<string, unknown>, names: readonly string[]): MethodName[] {
  const methods = Object.keys(serviceDefinitions).flatMap((service) =>
    methodPaths(serviceDefinitions[service]).map((path) => ({ service, method: path.slice(path.lastIndexOf('/') + 1) })),
  );
  const unknown = names.filter((name) => !methods.some((method) => method.method === name));
  if (unknown.length > 0) throw new Error(`Not a method of ${Object.keys(serviceDefinitions).join(', ')}: ${unknown.join(', ')}`);
  return methods.filter((method) => names.includes(method.method));
}

/** The request path of a method, as grpc-js interceptors see it: `/user.v1.UserService/GetUser`. */
export const methodPath = (method: MethodName) => `/${method.service}/${method.method}`;

function methodPaths(definition: unknown): string[] {
  return Object.values(definition as Record<string, { path?: unknown }>)
    .map((method) => method.path)
    .filter((path): path is string => typeof path === 'string');
}
