import { type CallerIdentity } from '@workshop/grpc';
import { type WebSocket } from 'ws';

/**
 * A connection the handshake admitted, with who is on the other end: set once, when it opens,
 * and read by the message handlers and the rate limits (as `request.caller` is for HTTP).
 */
export interface OrderUpdatesSocket extends WebSocket {
  caller: CallerIdentity;
  remoteAddress: string;
}
