export const USER_SERVICE_GRPC = Symbol('UserServiceGrpc');
export const ORDER_SERVICE_GRPC = Symbol('OrderServiceGrpc');
export const GATEWAY_OPTIONS = Symbol('GatewayOptions');
export const GATEWAY_LOGGER = Symbol('GatewayLogger');

export interface GatewayOptions {
  /** Deadline for each downstream gRPC call; past it the client gets 503, not a hung request. */
  grpcDeadlineMs: number;
}
