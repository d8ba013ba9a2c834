import { Metadata } from '@grpc/grpc-js';
import { NotFoundError, UnauthenticatedError } from '@workshop/errors';
import { UUID } from '@workshop/pagination';

/**
 * Who a request acts for, as the gateway established it from a verified access token. The
 * services never see tokens: they trust the gateway (the only caller that can reach their
 * loopback or private gRPC ports) and read the identity it forwards in the call metadata.
 */
export interface CallerIdentity {
  userId: string;
  role: CallerRole;
}

export const CALLER_ROLES = ['user', 'admin'] as const;
export type CallerRole = (typeof CALLER_ROLES)[number];

export const CALLER_USER_ID_METADATA = 'x-caller-user-id';
export const CALLER_ROLE_METADATA = 'x-caller-role';

/** The metadata a client sends so the service knows who the call is for. */
export function callerIdentityMetadata(caller: CallerIdentity, metadata = new Metadata()): Metadata {
  metadata.set(CALLER_USER_ID_METADATA, caller.userId);
  metadata.set(CALLER_ROLE_METADATA, caller.role);
  return metadata;
}

/**
 * The caller identity a service received, or UNAUTHENTICATED when it is missing or malformed: a
 * handler that needs a caller never runs on a guess.
 */
export function callerIdentityFromMetadata(metadata: Metadata | undefined): CallerIdentity {
  const userId = metadata?.get(CALLER_USER_ID_METADATA)[0]?.toString();
  const role = metadata?.get(CALLER_ROLE_METADATA)[0]?.toString();
  if (userId === undefined || !UUID.test(userId) || !isCallerRole(role)) {
    throw new UnauthenticatedError('The call carries no valid caller identity');
  }
  return { userId, role };
}

/**
 * Ownership rule for reads: a user sees their own data, an admin anyone's. Anything else is
 * NOT_FOUND, not PERMISSION_DENIED, so that probing ids reveals nothing about what exists.
 */
export function assertMayRead(caller: CallerIdentity, ownerId: string, resource: string, resourceId: string): void {
  if (caller.role !== 'admin' && caller.userId !== ownerId) throw new NotFoundError(resource, resourceId);
}

function isCallerRole(value: string | undefined): value is CallerRole {
  return (CALLER_ROLES as readonly (string | undefined)[]).includes(value);
}
