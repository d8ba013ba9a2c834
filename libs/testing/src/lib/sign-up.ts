import { randomUUID } from 'node:crypto';

/** A user signed up through the gateway, with a fresh access token. */
export interface SignedUpUser {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  password: string;
  accessToken: string;
  /** `{ authorization: 'Bearer …' }`, to spread into a request's headers. */
  authorization: { authorization: string };
}

/**
 * Signs a new user up through the gateway (POST /users) and signs them in (POST /auth/token), as a
 * client would. Email and password are unique unless given, so tests never share a user.
 */
export async function signUp(gatewayUrl: string, user: { email?: string; name?: string; password?: string } = {}): Promise<SignedUpUser> {
  const email = user.email ?? `ada+${randomUUID()}@example.com`;
  const password = user.password ?? `pw-${randomUUID()}`;
  const created = await postJson<Omit<SignedUpUser, 'password' | 'accessToken' | 'authorization'>>(gatewayUrl, '/users', {
    email,
    name: user.name ?? 'Ada Lovelace',
    password,
  });
  const accessToken = await signIn(gatewayUrl, email, password);
  return { ...created, password, accessToken, authorization: { authorization: `Bearer ${accessToken}` } };
}

/** A fresh access token for an existing user (POST /auth/token). */
export async function signIn(gatewayUrl: string, email: string, password: string): Promise<string> {
  return (await postJson<{ accessToken: string }>(gatewayUrl, '/auth/token', { email, password })).accessToken;
}

async function postJson<Body>(gatewayUrl: string, path: string, json: unknown): Promise<Body> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(json),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Body;
}

/**
 * Gateway settings for a suite that signs many users up from one address: the default limit on
 * sign-up and token per route and address is there to stop password guessing, and would stop
 * the suite too.
 */
export const GENEROUS_CREDENTIAL_LIMITS = { RATE_LIMIT_CREDENTIALS_BURST: '10000' } as const;
