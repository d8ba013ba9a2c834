import { DomainError } from '@workshop/errors';
import { type RateLimitDecision } from './rate-limit-policy';

/** A request over one of its limits. Each transport's edge maps it: HTTP 429, gRPC RESOURCE_EXHAUSTED. */
export class RateLimitExceededError extends DomainError {
  constructor(readonly decision: RateLimitDecision) {
    super('RESOURCE_EXHAUSTED', `Rate limit ${decision.limiting.policy.name} exceeded; retry in ${retryAfterSeconds(decision)} s`);
  }
}

/** Whole seconds to wait, rounded up so a client that waits exactly this long succeeds. */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}
