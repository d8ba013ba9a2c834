import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CallerIdentity } from '@workshop/grpc';
import { Caller } from '../auth/authenticated-request';
import { ApiBearerTokenRequired, ApiProblemResponses } from '../openapi/api-responses';
import { GraphqlContextFactory } from './graphql.context';
import { GraphqlRequestBody, GraphqlResponseJson } from './graphql.dto';
import { GraphqlExecutor } from './graphql.executor';

/**
 * POST /graphql. It is an ordinary route of the gateway, so whatever guards the REST routes (the
 * bearer token, rate limits) guards it too, and a body that is not a GraphQL request is a 400
 * problem+json like any other. Resolvers act for the caller the token names. A request that is one always gets 200 `application/json`, with
 * GraphQL errors in `errors` (the GraphQL-over-HTTP rule for that media type).
 */
@ApiTags('graphql')
@ApiBearerTokenRequired()
@Controller('graphql')
export class GraphqlController {
  constructor(
    private readonly executor: GraphqlExecutor,
    private readonly contexts: GraphqlContextFactory,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a GraphQL query against the schema in libs/gateway/feature/src/lib/graphql/gateway.graphql (introspection works).',
  })
  @ApiOkResponse({ type: GraphqlResponseJson, description: 'The result; errors carry the domain code in `extensions.code`.' })
  @ApiProblemResponses(400, 413, 415)
  async execute(@Caller() caller: CallerIdentity, @Body() body: GraphqlRequestBody): Promise<GraphqlResponseJson> {
    return this.executor.execute(body, this.contexts.create(caller));
  }
}
