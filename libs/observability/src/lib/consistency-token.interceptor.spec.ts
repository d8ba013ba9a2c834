import { Metadata } from '@grpc/grpc-js';
import { consistencyTokenFromMetadata, consistencyTokenMetadata } from './consistency-token.interceptor';

describe('consistency token in gRPC metadata', () => {
  it('round-trips through gRPC metadata, ignoring malformed values', () => {
    expect(consistencyTokenFromMetadata(consistencyTokenMetadata('0/FF'))).toBe('0/FF');
    const junk = new Metadata();
    junk.set('x-consistency-token', '0/FF; evil');
    expect(consistencyTokenFromMetadata(junk)).toBeUndefined();
  });
});
