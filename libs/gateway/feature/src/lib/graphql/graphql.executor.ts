import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from '@workshop/observability';
import {
  type DocumentNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  execute,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_LOGGER } from '../downstream/downstream.tokens';
import { buildExecutableSchema } from './executable-schema';
import type { GraphqlContext } from './graphql.context';
import type { GraphqlRequestBody, GraphqlResponseJson } from './graphql.dto';
import { formatGraphqlError } from './graphql.errors';
import { gatewayResolvers } from './graphql.resolvers';

/** The schema file sits beside this module; the gateway's build copies it beside the bundle. */
export const GRAPHQL_SCHEMA_FILE = join(__dirname, 'gateway.graphql');

/**
 * Each root field is at least one downstream call, and aliases (`a: users`, `b: users`, ...) would
 * otherwise let one small request fan out into thousands. Nested fields are bounded by the schema
 * (it has no cycles, so no unbounded depth) and by the batch loaders.
 */
export const MAX_ROOT_FIELDS = 10;

/** Parses, validates and executes GraphQL requests against gateway.graphql. */
@Injectable()
export class GraphqlExecutor {
  private readonly schema = buildExecutableSchema(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8'), gatewayResolvers);

  constructor(@Inject(GATEWAY_LOGGER) private readonly logger: Logger) {}

  async execute(request: GraphqlRequestBody, context: GraphqlContext): Promise<GraphqlResponseJson> {
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [formatGraphqlError(error, this.logger)] };
      throw error;
    }
    const invalid = validate(this.schema, document, [...specifiedRules, maxRootFields(MAX_ROOT_FIELDS)]);
    if (invalid.length > 0) return { errors: invalid.map((error) => formatGraphqlError(error, this.logger)) };
    const result = await execute({
      schema: this.schema,
      document,
      variableValues: request.variables,
      operationName: request.operationName,
      contextValue: context,
    });
    return {
      ...(result.errors ? { errors: result.errors.map((error) => formatGraphqlError(error, this.logger)) } : {}),
      ...(result.data !== undefined ? { data: result.data } : {}),
    };
  }
}

/** A validation rule: an operation may select at most `limit` root fields, counting those inside fragments. */
function maxRootFields(limit: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const count = countFields(operation.selectionSet, context, new Set());
      if (count > limit) {
        context.reportError(
          new GraphQLError(`An operation may select at most ${limit} root fields; this one selects ${count}`, { nodes: operation }),
        );
      }
    },
  });
}

function countFields(selectionSet: SelectionSetNode, context: ValidationContext, visitedFragments: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        count += 1;
        break;
      case Kind.INLINE_FRAGMENT:
        count += countFields(selection.selectionSet, context, visitedFragments);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        // A cycle or an unknown fragment is reported by the standard rules.
        if (fragment === null || fragment === undefined || visitedFragments.has(name)) break;
        visitedFragments.add(name);
        count += countFields(fragment.selectionSet, context, visitedFragments);
        break;
      }
    }
  }
  return count;
}
