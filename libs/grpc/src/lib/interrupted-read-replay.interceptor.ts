import {
  type Interceptor,
  InterceptingCall,
  type InterceptingListener,
  type Metadata,
  type StatusObject,
  status as GrpcStatus,
} from '@grpc/grpc-js';

/**
 * Replays, once, an idempotent call whose answer was cut off half-way: the instance began to
 * respond (its response headers arrived) and then its connection died with UNAVAILABLE. grpc-js
 * retries never cover this case: the gRPC retry design commits a call as soon as response
 * headers arrive, since for an arbitrary method a second attempt could repeat an effect. For a
 * read it cannot, and the instance that died is gone, so the replay goes to another one (the
 * channel's round_robin picks only ready instances). Found in practice when an instance is
 * SIGKILLed under load: the reset connection drops the rest of answers already on their way.
 *
 * The replay keeps the call's deadline and happens at most once per call, so it can neither
 * outlive the caller nor amplify an outage (a call that never got headers is grpc-js's to retry,
 * within its budget). Nothing reaches the caller until the call ends, which costs nothing for
 * unary calls, whose one message arrives just before their status anyway.
 */
export function interruptedReadReplayInterceptor(idempotentMethodPaths: ReadonlySet<string>): Interceptor {
  return (options, nextCall) => {
    if (!idempotentMethodPaths.has(options.method_definition.path)) return new InterceptingCall(nextCall(options));
    let requestMessage: unknown;
    let replayed = false;
    return new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        const requestMetadata = metadata.clone();
        /** Runs one attempt, holding back what it receives until its status says whether to replay. */
        const attempt = (begin: (attemptListener: InterceptingListener) => void) => {
          let headers: Metadata | undefined;
          const messages: unknown[] = [];
          begin({
            onReceiveMetadata: (received) => (headers = received),
            onReceiveMessage: (received) => messages.push(received),
            onReceiveStatus: (status: StatusObject) => {
              if (status.code === GrpcStatus.UNAVAILABLE && headers !== undefined && !replayed) {
                replayed = true;
                const replay = new InterceptingCall(nextCall(options));
                attempt((replayListener) => {
                  replay.start(requestMetadata.clone(), replayListener);
                  replay.sendMessage(requestMessage);
                  replay.halfClose();
                });
                return;
              }
              if (headers !== undefined) listener.onReceiveMetadata?.(headers);
              for (const message of messages) listener.onReceiveMessage?.(message);
              listener.onReceiveStatus?.(status);
            },
          });
        };
        attempt((firstListener) => next(metadata, firstListener));
      },
      sendMessage(message, next) {
        requestMessage = message;
        next(message);
      },
    });
  };
}
