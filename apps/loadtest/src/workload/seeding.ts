import { type OutgoingHttpHeaders } from 'node:http';
import { type HttpClient, type HttpRequest, type HttpResponse } from '../load/http-client';

/** A user created through the API, with the headers its own requests carry. */
export interface SeededUser {
  id: string;
  email: string;
  headers: OutgoingHttpHeaders;
}

export interface Dataset {
  users: SeededUser[];
  /** An admin (its email is in the run's ADMIN_EMAILS): listing users is for admins. */
  admin: SeededUser;
  /** Orders, each with its buyer's index in `users`. */
  orders: { id: string; buyer: number }[];
}

/**
 * The password of every user a run creates. Load-test users are throwaway accounts on a local
 * system; one known password lets the workload sign in any of them.
 */
export const LOAD_TEST_PASSWORD = 'load-test-password';

/** The admin's email for a run, which the runner puts in user-service's ADMIN_EMAILS. */
export const loadTestAdminEmail = (runId: string) => `load-${runId}-admin@example.com`;

/**
 * Signs a user in (POST /auth/token), as a client does once per session, and returns the header
 * every request made on that user's behalf carries. Tokens last 15 minutes, longer than any run.
 */
export async function signIn(client: HttpClient, email: string): Promise<OutgoingHttpHeaders> {
  const response = await sendWithRetries(client, () => ({
    method: 'POST',
    path: '/auth/token',
    body: { email, password: LOAD_TEST_PASSWORD },
  }));
  if (response.status !== 200) throw new SeedingError('POST /auth/token', response);
  return { authorization: `Bearer ${(JSON.parse(response.body) as { accessToken: string }).accessToken}` };
}

/** An order line the workload places: small, valid, and the same for every configuration. */
export const ORDER_LINES = [{ sku: 'LOAD-TEST-1', quantity: 1, unitPrice: { amountMinor: 1250, currencyCode: 'EUR' } }];

/** Orders seeding keeps in flight: fast without queueing behind itself. */
const ORDER_SEEDING_CONCURRENCY = 16;
/**
 * Sign-ups (and sign-ins) seeding keeps in flight. Each costs a memory-hard password hash, by
 * design, and user-service hashes four at a time (libuv's thread pool): more in flight would only
 * queue behind one another until they miss their deadline.
 */
const SIGN_UP_CONCURRENCY = 4;

export class SeedingError extends Error {
  readonly status: number;

  constructor(what: string, response: HttpResponse) {
    super(`Seeding failed: ${what} answered ${response.status} ${response.body.slice(0, 300)}`);
    this.name = 'SeedingError';
    this.status = response.status;
  }
}

/**
 * Creates the data a run reads, through the public API as a client would (so the caches and
 * replicas start from the state real traffic would leave): `users` users, then `ordersPerUser`
 * orders for each.
 */
export async function seedDataset(client: HttpClient, options: { users: number; ordersPerUser: number; runId: string }): Promise<Dataset> {
  const signedUp = async (email: string, name: string): Promise<SeededUser> => {
    const user = await createUser(client, email, name);
    return { ...user, headers: await signIn(client, user.email) };
  };
  const admin = await signedUp(loadTestAdminEmail(options.runId), 'Load admin');
  const users = await inParallel(options.users, SIGN_UP_CONCURRENCY, (index) =>
    signedUp(`load-${options.runId}-${index}@example.com`, `Load user ${index}`),
  );
  const orders = await inParallel(options.users * options.ordersPerUser, ORDER_SEEDING_CONCURRENCY, async (index) => {
    const buyer = index % options.users;
    const id = await placeOrder(client, userAt(users, buyer));
    return { id, buyer };
  });
  return { users, admin, orders };
}

/** The user at an index the caller computed from the array's length. */
export function userAt(users: readonly SeededUser[], index: number): SeededUser {
  const user = users[index];
  if (user === undefined) throw new RangeError(`No seeded user at index ${index} of ${users.length}.`);
  return user;
}

/** Attempts per seeding request: a cold system's first calls can miss their deadline. */
const SEEDING_ATTEMPTS = 5;

/**
 * Sends a seeding request, retrying what the API says is worth retrying (503, 429, no answer)
 * with a growing pause, as a well-behaved client does. A request that timed out may still have
 * been committed, so each attempt gets its own request (a create, its own email): a retry never
 * collides with its predecessor.
 */
async function sendWithRetries(client: HttpClient, requestFor: (attempt: number) => HttpRequest): Promise<HttpResponse> {
  let response: HttpResponse = { status: 0, body: '' };
  for (let attempt = 1; attempt <= SEEDING_ATTEMPTS; attempt += 1) {
    response = await client.send(requestFor(attempt));
    if (response.status !== 503 && response.status !== 429 && response.status !== 0) return response;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  return response;
}

export async function createUser(client: HttpClient, email: string, name: string): Promise<{ id: string; email: string }> {
  const emailFor = (attempt: number) => (attempt === 1 ? email : email.replace('@', `-attempt${attempt}@`));
  const response = await sendWithRetries(client, (attempt) => ({
    method: 'POST',
    path: '/users',
    body: { email: emailFor(attempt), name, password: LOAD_TEST_PASSWORD },
  }));
  if (response.status !== 201) throw new SeedingError('POST /users', response);
  const created = JSON.parse(response.body) as { id: string; email: string };
  return { id: created.id, email: created.email };
}

async function placeOrder(client: HttpClient, user: SeededUser): Promise<string> {
  const response = await sendWithRetries(client, () => ({
    method: 'POST',
    path: '/orders',
    headers: user.headers,
    body: { userId: user.id, lines: ORDER_LINES },
  }));
  if (response.status !== 201) throw new SeedingError('POST /orders', response);
  return (JSON.parse(response.body) as { id: string }).id;
}

async function inParallel<Result>(count: number, concurrency: number, task: (index: number) => Promise<Result>): Promise<Result[]> {
  const results = new Array<Result>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
