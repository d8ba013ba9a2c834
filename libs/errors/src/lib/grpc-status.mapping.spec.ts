import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  DomainError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  ValidationError,
} from './domain-error';
import { ERROR_CODE_TRAILER, fromGrpcError, toGrpcError } from './grpc-status.mapping';

describe('gRPC status mapping', () => {
  it.each([
    [new ValidationError([{ field: 'email', message: 'must be an email address' }]), GrpcStatus.INVALID_ARGUMENT],
    [new NotFoundError('User', '42'), GrpcStatus.NOT_FOUND],
    [new AlreadyExistsError('email taken'), GrpcStatus.ALREADY_EXISTS],
    [new DomainError('PRECONDITION_FAILED', 'user does not exist'), GrpcStatus.FAILED_PRECONDITION],
    [new DomainError('UNAVAILABLE', 'database down'), GrpcStatus.UNAVAILABLE],
    [new UnauthenticatedError('no caller identity'), GrpcStatus.UNAUTHENTICATED],
    [new PermissionDeniedError('admins only'), GrpcStatus.PERMISSION_DENIED],
    [new DomainError('RESOURCE_EXHAUSTED', 'slow down'), GrpcStatus.RESOURCE_EXHAUSTED],
  ])('sends %s as status %s and gets the same error back on the client', (error, expectedStatus) => {
    const sent = toGrpcError(error);

    const received = fromGrpcError({ code: sent.code, details: sent.details, metadata: sent.metadata });

    expect(sent.code).toBe(expectedStatus);
    expect(received.code).toBe(error.code);
    expect(received.message).toBe(error.message);
    expect(received.violations).toEqual(error.violations);
  });

  it('hides the message of an unexpected error behind INTERNAL', () => {
    const sent = toGrpcError(new Error('password=hunter2 in connection string'));

    expect(sent.code).toBe(GrpcStatus.INTERNAL);
    expect(sent.details).toBe('Internal error');
  });

  it('maps a bare transport status without trailers by its status alone', () => {
    expect(fromGrpcError({ code: GrpcStatus.UNAVAILABLE, details: 'No connection established', metadata: new Metadata() }).code).toBe(
      'UNAVAILABLE',
    );
    expect(fromGrpcError({ code: GrpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }).code).toBe('DEADLINE_EXCEEDED');
    expect(fromGrpcError({ code: GrpcStatus.UNKNOWN, details: 'stack trace here' }).message).toBe('Internal error');
  });

  it('ignores a forged code trailer that is not part of the vocabulary', () => {
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_TRAILER, 'DROP_TABLES');

    expect(fromGrpcError({ code: GrpcStatus.NOT_FOUND, details: 'gone', metadata }).code).toBe('NOT_FOUND');
  });

  it('treats something that is not a gRPC error as INTERNAL', () => {
    expect(fromGrpcError(new TypeError('x is undefined')).code).toBe('INTERNAL');
  });
});
