import { type RateLimitDecision } from './rate-limit-policy';
import { retryAfterSeconds } from './rate-limit-exceeded.error';

/**
 * The HTTP view of a decision, as draft-ietf-httpapi-ratelimit-headers defines it:
 * - `RateLimit-Policy` lists every policy the request was checked against:
 *   `"per-user";q=600;w=60, "per-ip";q=1200;w=60` (quota q per window w seconds);
 * - `RateLimit` reports the policy closest to its limit: `"per-user";r=17;t=3` (r requests remain
 *   at once, t seconds until the full burst is back);
 * - `Retry-After` (RFC 9110), on a 429 only.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const { limiting } = decision;
  const headers: Record<string, string> = {
    'ratelimit-policy': decision.outcomes.map(({ policy }) => `"${policy.name}";q=${policy.limit};w=${policy.windowSeconds}`).join(', '),
    ratelimit: `"${limiting.policy.name}";r=${limiting.remaining};t=${Math.ceil(limiting.resetMs / 1000)}`,
  };
  if (!decision.allowed) headers['retry-after'] = String(retryAfterSeconds(decision));
  return headers;
}
