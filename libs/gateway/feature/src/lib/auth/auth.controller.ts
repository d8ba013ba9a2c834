import { Body, Controller, Header, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { userV1 } from '@workshop/contracts';
import { UserServiceClient } from '../downstream/user-service.client';
import { AccessTokens } from './access-token';
import { ApiProblemResponses } from '../openapi/api-responses';
import { TokenRequestBody, TokenResponseJson } from './auth.dto';
import { Public } from './public.decorator';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly userService: UserServiceClient,
    @Inject(AccessTokens) private readonly tokens: AccessTokens,
  ) {}

  /**
   * Exchanges an email and password for a short-lived access token. There is no refresh token:
   * when the token expires the client signs in again here, which keeps every session's lifetime
   * bounded by the token TTL and leaves no long-lived credential to steal or revoke.
   */
  @Post('token')
  @Public()
  @HttpCode(200)
  // RFC 6749 5.1: a response carrying a credential must not be cached anywhere.
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Sign in: exchange an email and password for a short-lived access token (no token needed).' })
  @ApiOkResponse({ type: TokenResponseJson })
  @ApiProblemResponses(400, 401, 413, 415)
  async token(@Body() body: TokenRequestBody): Promise<TokenResponseJson> {
    const { user, role } = await this.userService.verifyCredentials({ email: body.email, password: body.password });
    if (user === undefined) throw new Error('user-service verified credentials without returning the user');
    const issued = this.tokens.issue({ userId: user.id, role: role === userV1.Role.ROLE_ADMIN ? 'admin' : 'user' });
    return { accessToken: issued.token, tokenType: 'Bearer', expiresIn: issued.expiresInSeconds };
  }
}
