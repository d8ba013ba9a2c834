import { CONSISTENCY_TOKEN_HEADER, CORRELATION_ID_HEADER } from '@workshop/observability';
import { decodeHeaders, withConsistencyToken, withCorrelationId } from './event-headers';

describe('withConsistencyToken', () => {
  it('sets the later of the token carried and the one given', () => {
    expect(withConsistencyToken({ tenant: 'acme' }, '0/10')).toEqual({ tenant: 'acme', [CONSISTENCY_TOKEN_HEADER]: '0/10' });
    expect(withConsistencyToken({ [CONSISTENCY_TOKEN_HEADER]: '1/0' }, '0/FFFF')).toEqual({ [CONSISTENCY_TOKEN_HEADER]: '1/0' });
    expect(withConsistencyToken({ [CONSISTENCY_TOKEN_HEADER]: '0/1' }, '0/2')).toEqual({ [CONSISTENCY_TOKEN_HEADER]: '0/2' });
  });

  it('ignores malformed tokens and adds nothing without one', () => {
    expect(withConsistencyToken({ [CONSISTENCY_TOKEN_HEADER]: 'junk' }, '0/2')).toEqual({ [CONSISTENCY_TOKEN_HEADER]: '0/2' });
    expect(withConsistencyToken({}, undefined)).toEqual({});
  });
});

describe('withCorrelationId', () => {
  it('stamps the current correlation id on an event without one', () => {
    expect(withCorrelationId({ tenant: 'acme' }, 'req-1')).toEqual({ tenant: 'acme', [CORRELATION_ID_HEADER]: 'req-1' });
  });

  it('keeps a correlation id the event already carries', () => {
    expect(withCorrelationId({ [CORRELATION_ID_HEADER]: 'original' }, 'req-2')).toEqual({ [CORRELATION_ID_HEADER]: 'original' });
  });

  it('adds nothing when no request is in progress', () => {
    expect(withCorrelationId(undefined, undefined)).toEqual({});
  });

  it('leaves the object it was given untouched', () => {
    const headers = { tenant: 'acme' };
    withCorrelationId(headers, 'req-3');
    expect(headers).toEqual({ tenant: 'acme' });
  });
});

describe('decodeHeaders', () => {
  it('turns byte and string values into strings', () => {
    expect(decodeHeaders({ a: Buffer.from('bytes'), b: 'text' })).toEqual({ a: 'bytes', b: 'text' });
  });

  it('keeps the last value of a repeated header', () => {
    expect(decodeHeaders({ a: [Buffer.from('first'), 'second', Buffer.from('last')] })).toEqual({ a: 'last' });
  });

  it('drops headers without a value', () => {
    expect(decodeHeaders({ a: undefined, b: [] })).toEqual({});
  });

  it('accepts a record without headers', () => {
    expect(decodeHeaders(undefined)).toEqual({});
  });
});
