import { Metadata } from '@grpc/grpc-js';
import {
  assertMayRead,
  CALLER_ROLE_METADATA,
  CALLER_USER_ID_METADATA,
  callerIdentityFromMetadata,
  callerIdentityMetadata,
} from './caller-identity';

const ADA = '6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10';
const GRACE = '0b9e6a52-8a61-4cc4-9a0e-8f3f9c7a6d21';

describe('caller identity in gRPC metadata', () => {
  it('round-trips through the metadata the gateway sends', () => {
    expect(callerIdentityFromMetadata(callerIdentityMetadata({ userId: ADA, role: 'admin' }))).toEqual({ userId: ADA, role: 'admin' });
  });

  it.each([
    ['no metadata at all', undefined],
    ['no user id', metadataWith({ [CALLER_ROLE_METADATA]: 'user' })],
    ['a user id that is not a UUID', metadataWith({ [CALLER_USER_ID_METADATA]: "1' OR '1'='1", [CALLER_ROLE_METADATA]: 'user' })],
    ['an unknown role', metadataWith({ [CALLER_USER_ID_METADATA]: ADA, [CALLER_ROLE_METADATA]: 'root' })],
  ])('rejects %s as UNAUTHENTICATED', (_, metadata) => {
    expect(() => callerIdentityFromMetadata(metadata)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('lets a user read their own data and an admin anyone, and answers NOT_FOUND otherwise', () => {
    expect(() => assertMayRead({ userId: ADA, role: 'user' }, ADA, 'User', ADA)).not.toThrow();
    expect(() => assertMayRead({ userId: GRACE, role: 'admin' }, ADA, 'User', ADA)).not.toThrow();
    expect(() => assertMayRead({ userId: GRACE, role: 'user' }, ADA, 'User', ADA)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

function metadataWith(values: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(values)) metadata.set(key, value);
  return metadata;
}
