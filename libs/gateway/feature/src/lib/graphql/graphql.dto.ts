import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString } from 'class-validator';
import type { GraphQLFormattedError } from 'graphql';

/** Body of POST /graphql, as the GraphQL-over-HTTP specification defines it. */
export class GraphqlRequestBody {
  @ApiProperty({ example: '{ users(first: 10) { items { name orders(first: 5) { items { total { amountMinor currencyCode } } } } } }' })
  @IsString()
  query!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  operationName?: string;

  /** Protocol extensions (persisted queries, tracing); accepted and ignored. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  extensions?: Record<string, unknown>;
}

/** The OpenAPI description of a GraphQL error; the code uses graphql-js's own type. */
class GraphqlErrorJson {
  @ApiProperty()
  message!: string;

  @ApiPropertyOptional({ type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] } })
  path?: (string | number)[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Always `code` (the stable domain code, e.g. NOT_FOUND, VALIDATION_FAILED) and `correlationId`; `errors` names invalid fields.',
  })
  extensions!: Record<string, unknown>;
}

export class GraphqlResponseJson {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  data?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: [GraphqlErrorJson] })
  errors?: GraphQLFormattedError[];
}
