import { type InterceptingListener, type Metadata, type NextCall, type StatusObject, status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Replays, once, an idempotent call whose answer was cut off half-way: the instance began to
 * respond (its response headers arrived) and then its connection died with UNAVAILABLE. grpc-js
 * retries never cover this case: the gRPC retry design commits a call as soon as response
 * headers arrive, since for an arbitrary method a second attempt could repeat an effect. For a
 * read it cannot, and the instance that died is gone, so the replay goes to another one (the
 * channel's round_robin picks only ready instances). Found in practice when an instance is
 * SIGKILLed under load: the reset connection drops the rest of answers already on their way.
 *
 * One per call of an idempotent method, a part of the channel's interceptor
 * (`channelInterceptor`). The replay keeps the call's deadline and happens at most once per call,
 * so it can neither outlive the caller nor amplify an outage (a call that never got headers is
 * grpc-js's to retry, within its budget). Nothing reaches the caller until the call ends, which
 * costs nothing for unary calls, whose one message arrives just before their status anyway.
 */
export class InterruptedReadReplay {
  private requestMessage: unknown;
  private replayed = false;

  /** `replayCall` starts another attempt of the call, with its options (deadline included). */
  constructor(private readonly replayCall: () => ReturnType<NextCall>) {}

  /** Starts the first attempt (`next`, as the interceptor's `start` got it), answering `listener`. */
  start(metadata: Metadata, listener: InterceptingListener, next: (metadata: Metadata, listener: InterceptingListener) => void): void {
    const requestMetadata = metadata.clone();
    this.attempt(listener, requestMetadata, (firstListener) => next(metadata, firstListener));
  }

  /** The request, kept for a replay. */
  remember(message: unknown): void {
    this.requestMessage = message;
  }

  /** Runs one attempt, holding back what it receives until its status says whether to replay. */
  private attempt(listener: InterceptingListener, requestMetadata: Metadata, begin: (attemptListener: InterceptingListener) => void): void {
    let headers: Metadata | undefined;
    const messages: unknown[] = [];
    begin({
      onReceiveMetadata: (received) => (headers = received),
      onReceiveMessage: (received) => messages.push(received),
      onReceiveStatus: (status: StatusObject) => {
        if (status.code === GrpcStatus.UNAVAILABLE && headers !== undefined && !this.replayed) {
          this.replayed = true;
          const replay = this.replayCall();
          this.attempt(listener, requestMetadata, (replayListener) => {
            replay.start(requestMetadata.clone(), replayListener);
            replay.sendMessage(this.requestMessage);
            replay.halfClose();
          });
          return;
        }
        if (headers !== undefined) listener.onReceiveMetadata(headers);
        for (const message of messages) listener.onReceiveMessage(message);
        listener.onReceiveStatus(status);
      },
    });
  }
}
