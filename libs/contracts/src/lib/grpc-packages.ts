import { OrderServiceService } from '../generated/order/v1/order';
import { UserServiceService } from '../generated/user/v1/user';

/**
 * gRPC package definitions built from the generated service descriptors.
 *
 * Nest's gRPC transport would otherwise load the .proto files at run time with
 * @grpc/proto-loader, whose objects do not match the generated TypeScript types (a Timestamp
 * arrives as `{ seconds, nanos }` where the types promise a Date). Handing Nest the generated
 * descriptors instead means the bytes are encoded and decoded by the same code that defines the
 * types, and no .proto file has to ship next to the bundle.
 */
export const USER_PACKAGE = {
  name: 'user.v1',
  definition: { 'user.v1.UserService': UserServiceService },
} as const;

export const ORDER_PACKAGE = {
  name: 'order.v1',
  definition: { 'order.v1.OrderService': OrderServiceService },
} as const;
