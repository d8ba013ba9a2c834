import { DomainError, ValidationError } from '@workshop/errors';
import { MAX_PAGE_SIZE, UUID } from '@workshop/pagination';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { type Page, toPageJson, withPagingFieldNames } from '../pagination.dto';
import { type OrderJson, type UserJson, type UserWithStatisticsJson, presentOrder, presentUser } from '../presenters';
import type { Resolvers, ScalarImplementation } from './executable-schema';
import type { GraphqlContext } from './graphql.context';

interface PageArguments {
  first: number;
  after?: string | null;
}

/**
 * The resolvers of gateway.graphql. They reuse the REST API's presenters, so a user or an order
 * has the same shape in both APIs, and the same downstream clients, so every call has its
 * deadline and its errors in the shared vocabulary.
 */
export const gatewayResolvers: Resolvers<GraphqlContext> = {
  scalars: {
    DateTime: dateTimeScalar(),
    SafeInt: safeIntScalar(),
  },
  types: {
    Query: {
      user: (_: unknown, args: { id: string }, context: GraphqlContext) => context.userById.load(uuidArgument(args.id, 'id')),
      users: async (_: unknown, args: PageArguments, context: GraphqlContext): Promise<Page<UserJson>> => {
        const response = await withPagingFieldNames(
          () => context.userService.listUsers(context.caller, { pageSize: pageSizeArgument(args.first), pageToken: args.after ?? '' }),
          { pageSize: 'first', pageToken: 'after' },
        );
        return toPageJson(response.users.map(presentUser), response.nextPageToken);
      },
      order: async (_: unknown, args: { id: string }, context: GraphqlContext): Promise<OrderJson | null> => {
        try {
          return presentOrder((await context.orderService.getOrder(context.caller, { id: uuidArgument(args.id, 'id') })).order);
        } catch (error) {
          // A nullable lookup answers null for an unknown id, as `user` does.
          if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
          throw error;
        }
      },
    },
    User: {
      // A user from `users` has no statistics yet: the loader fetches them for the whole page at once.
      orderStatistics: async (user: UserJson | UserWithStatisticsJson, _: unknown, context: GraphqlContext) =>
        'orderStatistics' in user ? user.orderStatistics : (await context.userById.load(user.id))?.orderStatistics,
      orders: (user: UserJson, args: PageArguments, context: GraphqlContext) =>
        context.orderPage.load({ userId: user.id, first: pageSizeArgument(args.first), after: args.after ?? '' }),
    },
  },
};

/** Checked here, before the loader: a bad id in a batch would fail the whole batch. */
function uuidArgument(value: string, field: string): string {
  if (!UUID.test(value)) throw new ValidationError([{ field, message: 'must be a UUID' }]);
  return value.toLowerCase();
}

function pageSizeArgument(first: number): number {
  if (first < 1 || first > MAX_PAGE_SIZE)
    throw new ValidationError([{ field: 'first', message: `must be between 1 and ${MAX_PAGE_SIZE}` }]);
  return first;
}

function dateTimeScalar(): ScalarImplementation {
  const parse = (value: unknown) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string');
    return date.toISOString();
  };
  return {
    // The presenters already give ISO strings; a Date would be a resolver that skipped them.
    serialize: (value) => (value instanceof Date ? value.toISOString() : parse(value)),
    parseValue: parse,
    parseLiteral: (node: ValueNode) => parse(node.kind === Kind.STRING ? node.value : undefined),
  };
}

function safeIntScalar(): ScalarImplementation {
  const check = (value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new GraphQLError('SafeInt must be an integer within ±(2^53 - 1)');
    return value;
  };
  return {
    serialize: check,
    parseValue: check,
    parseLiteral: (node: ValueNode) => check(node.kind === Kind.INT ? Number(node.value) : undefined),
  };
}
