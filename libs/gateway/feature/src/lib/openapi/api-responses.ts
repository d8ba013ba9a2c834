import { applyDecorators, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { FieldViolation } from '@workshop/errors';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '../errors/problem-details.filter';
import { API_CACHE_CONTROL } from '../http-caching/conditional-get';

/** Name of the security scheme in the OpenAPI document; see `createOpenApiDocument`. */
export const BEARER_AUTH = 'bearerAuth';

class FieldViolationJson implements FieldViolation {
  @ApiProperty({ description: 'The invalid field, by its path as sent.', example: 'lines[0].unitPrice.currencyCode' })
  field!: string;

  @ApiProperty({ example: 'must be an ISO 4217 code such as EUR' })
  message!: string;
}

/** The problem+json body (RFC 9457) of every error; `implements` keeps it in step with the filter. */
export class ProblemDetailsJson implements ProblemDetails {
  @ApiProperty({ example: '/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Bad Request' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ description: 'For people; never switch on it.', example: 'email: must be an email address' })
  detail!: string;

  @ApiProperty({ description: 'The request path.', example: '/users' })
  instance!: string;

  @ApiProperty({
    description: 'Stable and machine-readable: switch on this.',
    example: 'VALIDATION_FAILED',
    enum: [
      'VALIDATION_FAILED',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'PRECONDITION_FAILED',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'BAD_REQUEST',
      'UNAVAILABLE',
      'DEADLINE_EXCEEDED',
      'INTERNAL',
    ],
  })
  code!: string;

  @ApiProperty({ description: 'Quote it in a bug report: every log line of the request carries it.' })
  correlationId!: string;

  @ApiPropertyOptional({ type: [FieldViolationJson], description: 'With VALIDATION_FAILED: every invalid field.' })
  errors?: FieldViolation[];
}

/** The error statuses a route can answer, each with what it means for that API. */
const PROBLEM_DESCRIPTIONS = {
  400: 'Invalid input: `errors` names every invalid field.',
  401: 'No valid bearer token.',
  403: 'Signed in, but the role does not allow it (listing users is for admins).',
  404: 'Unknown id.',
  409: 'Conflicts with an existing resource.',
  413: 'Body larger than the limit.',
  415: 'Body is not JSON.',
  422: 'Well-formed, but refers to something that does not exist.',
  429: 'Over a rate limit; retry after `Retry-After` seconds (the `RateLimit` header says how much is left).',
  500: 'Unexpected error; the body leaks nothing, the logs have the cause under the correlationId.',
  503: 'A service is down or too slow; retry after `Retry-After` seconds.',
} as const;

export type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS;

/**
 * Every route is rate limited, can fail unexpectedly, and depends on a service that can be down.
 */
const STATUSES_OF_EVERY_ROUTE: readonly ProblemStatus[] = [429, 500, 503];

function problemResponse(status: ProblemStatus): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description: PROBLEM_DESCRIPTIONS[status],
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsJson) } } },
    ...(status === 503 || status === 429
      ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } }
      : {}),
  });
}

/** Documents the problem+json answers of a route: the given statuses, plus 500 and 503, which every route can give. */
export function ApiProblemResponses(...statuses: ProblemStatus[]): MethodDecorator & ClassDecorator {
  const all = [...new Set([...statuses, ...STATUSES_OF_EVERY_ROUTE])];
  return applyDecorators(ApiExtraModels(ProblemDetailsJson), ...all.map(problemResponse));
}

/** The route needs `Authorization: Bearer <token>`; without a valid one it answers 401. */
export function ApiBearerTokenRequired(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(BEARER_AUTH), ApiExtraModels(ProblemDetailsJson), problemResponse(401));
}

/** A GET whose 200 carries an ETag (see http-caching/conditional-get.ts) and that answers 304 to a matching If-None-Match. */
export function ApiConditionalGet(type: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiHeader({ name: 'If-None-Match', required: false, description: 'ETags of copies the client holds; a match gives 304.' }),
    ApiResponse({
      status: 200,
      description: 'OK',
      type,
      headers: {
        ETag: { description: 'Strong tag: a hash of the body.', schema: { type: 'string' } },
        'Cache-Control': {
          description: `\`${API_CACHE_CONTROL}\`: a browser may keep it, and revalidates before reuse.`,
          schema: { type: 'string' },
        },
      },
    }),
    ApiResponse({ status: 304, description: 'Not Modified: the copy named in If-None-Match is current. No body.' }),
  );
}
