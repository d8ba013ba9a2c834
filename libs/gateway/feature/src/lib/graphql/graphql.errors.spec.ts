import { NotFoundError, ValidationError } from '@workshop/errors';
import { createLogger } from '@workshop/observability';
import { GraphQLError } from 'graphql';
import { formatGraphqlError } from './graphql.errors';

describe('formatGraphqlError', () => {
  const logger = createLogger('test', 'silent');
  const fromResolver = (error: Error) => new GraphQLError(error.message, { path: ['user'], originalError: error });

  it('keeps the domain code of a resolver error, and the invalid fields', () => {
    expect(
      formatGraphqlError(fromResolver(new ValidationError([{ field: 'first', message: 'must be between 1 and 100' }])), logger),
    ).toMatchObject({
      path: ['user'],
      extensions: { code: 'VALIDATION_FAILED', errors: [{ field: 'first', message: 'must be between 1 and 100' }] },
    });
    expect(formatGraphqlError(fromResolver(new NotFoundError('User', '42')), logger).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('calls a query that does not parse or validate VALIDATION_FAILED', () => {
    expect(formatGraphqlError(new GraphQLError('Syntax Error: Expected Name, found <EOF>.'), logger).extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('answers an unexpected error as INTERNAL, leaking nothing', () => {
    const formatted = formatGraphqlError(fromResolver(new TypeError("Cannot read properties of undefined (reading 'password')")), logger);

    expect(formatted).toMatchObject({ message: 'Internal error', extensions: { code: 'INTERNAL' } });
    expect(JSON.stringify(formatted)).not.toContain('password');
  });
});
