/**
 * Thrown by a handler for an event that no retry can fix: it fails validation, refers to
 * something that can never exist, or lacks a header the handler needs. The consumer sends it
 * straight to the dead-letter topic instead of through the retry topics. Any other error is
 * treated as transient (a database or a downstream service is down) and retried.
 */
export class UnprocessableEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnprocessableEventError';
  }
}
