import { DomainError } from '@workshop/errors';
import { currentCorrelationId, type Logger } from '@workshop/observability';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The GraphQL edge of the error vocabulary, the counterpart of ProblemDetailsFilter: every error
 * leaves with the stable domain code in `extensions.code` and the correlation id. A query that does
 * not parse or validate, or whose variables do not fit, is VALIDATION_FAILED; a DomainError keeps
 * its code and its field violations (`extensions.errors`); anything else is a bug, logged with its
 * cause and answered as INTERNAL with nothing leaked.
 */
export function formatGraphqlError(error: GraphQLError, logger: Logger): GraphQLFormattedError {
  const correlationId = currentCorrelationId();
  const original = error.originalError;
  const where = { ...(error.locations ? { locations: error.locations } : {}), ...(error.path ? { path: error.path } : {}) };
  if (original === undefined || original instanceof GraphQLError) {
    return { message: error.message, ...where, extensions: { code: 'VALIDATION_FAILED', correlationId } };
  }
  if (original instanceof DomainError && original.code !== 'INTERNAL') {
    const violations = original.violations.length > 0 ? { errors: [...original.violations] } : {};
    return { message: original.message, ...where, extensions: { code: original.code, correlationId, ...violations } };
  }
  logger.error({ err: original, correlationId, path: error.path }, 'GraphQL resolver failed');
  return { message: 'Internal error', ...where, extensions: { code: 'INTERNAL', correlationId } };
}
