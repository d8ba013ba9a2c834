import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { DomainError, type ErrorCode, type FieldViolation, isErrorCode } from './domain-error';

/** Trailers that carry the stable code and the field violations next to the gRPC status. */
export const ERROR_CODE_TRAILER = 'x-error-code';
export const FIELD_VIOLATIONS_TRAILER = 'x-field-violations';

const GRPC_STATUS_BY_CODE: Record<ErrorCode, GrpcStatus> = {
  VALIDATION_FAILED: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  PRECONDITION_FAILED: GrpcStatus.FAILED_PRECONDITION,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  INTERNAL: GrpcStatus.INTERNAL,
};

/** What a gRPC server sends for an error: grpc-js reads `code`, `details` and `metadata`. */
export interface GrpcErrorResponse {
  code: GrpcStatus;
  details: string;
  metadata: Metadata;
}

/**
 * Maps an error thrown inside a service to the status it leaves with. Anything that is not a
 * DomainError is a bug or an unexpected failure: it becomes INTERNAL with a message that leaks
 * nothing (the caller logs the real cause).
 */
export function toGrpcError(error: unknown): GrpcErrorResponse {
  const metadata = new Metadata();
  if (!(error instanceof DomainError)) {
    metadata.set(ERROR_CODE_TRAILER, 'INTERNAL');
    return { code: GrpcStatus.INTERNAL, details: 'Internal error', metadata };
  }
  metadata.set(ERROR_CODE_TRAILER, error.code);
  if (error.violations.length > 0) {
    metadata.set(FIELD_VIOLATIONS_TRAILER, JSON.stringify(error.violations));
  }
  return { code: GRPC_STATUS_BY_CODE[error.code], details: error.message, metadata };
}

/**
 * Maps an error a gRPC client received back into the vocabulary, so callers handle one kind of
 * error whether it came from their own code or from a service two hops away.
 */
export function fromGrpcError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const serviceError = error as Partial<ServiceError>;
  if (typeof serviceError.code !== 'number') {
    return new DomainError('INTERNAL', 'Internal error', [], { cause: error });
  }
  const trailerCode = serviceError.metadata?.get(ERROR_CODE_TRAILER)[0]?.toString();
  const code = isErrorCode(trailerCode) ? trailerCode : codeForGrpcStatus(serviceError.code);
  const violations = parseViolations(serviceError.metadata?.get(FIELD_VIOLATIONS_TRAILER)[0]?.toString());
  // Only a status our own services mapped (it carries the code trailer) has a message meant for
  // callers; a transport failure's details name hosts and ports, which must not reach a client.
  const message = isErrorCode(trailerCode) && code !== 'INTERNAL' ? (serviceError.details ?? code) : GENERIC_MESSAGES[code];
  return new DomainError(code, message, violations, { cause: error });
}

const GENERIC_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is invalid',
  NOT_FOUND: 'Not found',
  ALREADY_EXISTS: 'Already exists',
  PRECONDITION_FAILED: 'The request cannot be carried out in the current state',
  UNAUTHENTICATED: 'Authentication required',
  PERMISSION_DENIED: 'Not allowed',
  RESOURCE_EXHAUSTED: 'Too many requests; try again later',
  UNAVAILABLE: 'A service this request needs is unavailable; try again shortly',
  DEADLINE_EXCEEDED: 'A service this request needs did not answer in time; try again shortly',
  INTERNAL: 'Internal error',
};

function codeForGrpcStatus(grpcStatus: GrpcStatus): ErrorCode {
  switch (grpcStatus) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return 'VALIDATION_FAILED';
    case GrpcStatus.NOT_FOUND:
      return 'NOT_FOUND';
    case GrpcStatus.ALREADY_EXISTS:
      return 'ALREADY_EXISTS';
    case GrpcStatus.FAILED_PRECONDITION:
      return 'PRECONDITION_FAILED';
    case GrpcStatus.UNAUTHENTICATED:
      return 'UNAUTHENTICATED';
    case GrpcStatus.PERMISSION_DENIED:
      return 'PERMISSION_DENIED';
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return 'RESOURCE_EXHAUSTED';
    // The peer is down, restarting or refusing work: all mean "try again later".
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.ABORTED:
      return 'UNAVAILABLE';
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
      return 'DEADLINE_EXCEEDED';
    case GrpcStatus.OK:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.UNIMPLEMENTED:
    case GrpcStatus.INTERNAL:
    case GrpcStatus.DATA_LOSS:
      return 'INTERNAL';
  }
}

function parseViolations(serialized: string | undefined): FieldViolation[] {
  if (serialized === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(serialized);
    return Array.isArray(parsed)
      ? parsed.filter(
          (item): item is FieldViolation =>
            typeof (item as FieldViolation).field === 'string' && typeof (item as FieldViolation).message === 'string',
        )
      : [];
  } catch {
    return [];
  }
}
