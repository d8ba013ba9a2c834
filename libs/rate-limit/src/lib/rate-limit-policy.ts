/**
 * One limit: `limit` requests per `windowSeconds`, sustained, of which up to `burst` may arrive
 * at once after a quiet spell. GCRA spaces requests one emission interval (window / limit) apart
 * on average and tolerates `burst` of them early.
 */
export interface RateLimitPolicy {
  /** Names the policy in the RateLimit headers and the metrics: `per-user`, `per-ip`, `credentials`. */
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly burst: number;
}

/** One policy applied to one subject (a user id, an IP address, a route and an IP). */
export interface RateLimitCheck {
  readonly policy: RateLimitPolicy;
  readonly key: string;
}

/** How one check of a request came out. */
export interface RateLimitOutcome {
  readonly policy: RateLimitPolicy;
  readonly key: string;
  readonly allowed: boolean;
  /** Requests still allowed at once, after this one. */
  readonly remaining: number;
  /** Until the subject is back to its full burst, in milliseconds. */
  readonly resetMs: number;
  /** When denied: how long until a retry can succeed, in milliseconds; 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * The verdict on a request: allowed only if every check allows it. When one check denies, no
 * check counts the request (a rejected request must not use up the other limits).
 */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly retryAfterMs: number;
  readonly outcomes: readonly RateLimitOutcome[];
  /** The outcome closest to its limit: the one that denied, or the one with the fewest remaining. */
  readonly limiting: RateLimitOutcome;
  /** Which store decided: the shared Redis, or this instance's local fallback. */
  readonly decidedBy: 'redis' | 'local';
}

/** Emission interval in microseconds: the average spacing of requests the policy allows. */
export function emissionIntervalMicros(policy: RateLimitPolicy): number {
  return Math.max(1, Math.round((policy.windowSeconds * 1_000_000) / policy.limit));
}

export function assertValidPolicy(policy: RateLimitPolicy): void {
  const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;
  if (!/^[a-z0-9-]+$/.test(policy.name)) throw new Error(`Invalid rate limit policy name ${JSON.stringify(policy.name)}`);
  if (!positiveInteger(policy.limit) || !positiveInteger(policy.windowSeconds) || !positiveInteger(policy.burst)) {
    throw new Error(`Rate limit policy ${policy.name}: limit, windowSeconds and burst must be positive integers`);
  }
}

/** Combines per-check outcomes into the request's decision. */
export function decide(outcomes: readonly RateLimitOutcome[], decidedBy: RateLimitDecision['decidedBy']): RateLimitDecision {
  const first = outcomes[0];
  if (first === undefined) throw new Error('A rate limit decision needs at least one check');
  const denied = outcomes.filter((outcome) => !outcome.allowed);
  const limiting =
    denied.length > 0
      ? denied.reduce((worst, outcome) => (outcome.retryAfterMs > worst.retryAfterMs ? outcome : worst))
      : outcomes.reduce((closest, outcome) => (outcome.remaining < closest.remaining ? outcome : closest), first);
  return { allowed: denied.length === 0, retryAfterMs: denied.length > 0 ? limiting.retryAfterMs : 0, outcomes, limiting, decidedBy };
}
