export type BreakerState = 'closed' | 'half-open' | 'open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before one trial call is let through. */
  openDurationMs: number;
  now?: () => number;
  onStateChange?: (state: BreakerState) => void;
}

/** Thrown instead of calling a dependency whose breaker is open. */
export class CircuitOpenError extends Error {
  constructor(dependency: string) {
    super(`${dependency} is skipped: its circuit breaker is open after repeated failures`);
    this.name = 'CircuitOpenError';
  }
}

/**
 * Stops calling a dependency that keeps failing, so each request stops paying its timeout.
 *
 * closed -> (failureThreshold consecutive failures) -> open -> (openDurationMs) -> half-open:
 * exactly one trial call goes through; its success closes the breaker, its failure opens it again.
 * While open, and while the trial runs, calls fail at once with `CircuitOpenError`.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private trialRunning = false;
  private readonly now: () => number;

  constructor(
    private readonly dependency: string,
    private readonly options: CircuitBreakerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get currentState(): BreakerState {
    return this.state;
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    const isTrial = this.admit();
    try {
      const result = await operation();
      this.recordSuccess();
      return result;
    } catch (error) {
      this.recordFailure();
      throw error;
    } finally {
      if (isTrial) this.trialRunning = false;
    }
  }

  /** Lets a call through or throws; returns whether it is the half-open trial. */
  private admit(): boolean {
    if (this.state === 'closed') return false;
    if (this.state === 'open' && this.now() - this.openedAt >= this.options.openDurationMs) this.transition('half-open');
    if (this.state === 'half-open' && !this.trialRunning) {
      this.trialRunning = true;
      return true;
    }
    throw new CircuitOpenError(this.dependency);
  }

  private recordSuccess(): void {
    this.consecutiveFailures = 0;
    if (this.state !== 'closed') this.transition('closed');
  }

  private recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.state === 'half-open' || (this.state === 'closed' && this.consecutiveFailures >= this.options.failureThreshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private transition(state: BreakerState): void {
    this.state = state;
    this.options.onStateChange?.(state);
  }
}
