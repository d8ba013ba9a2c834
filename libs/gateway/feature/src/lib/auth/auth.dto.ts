import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

/** Body of POST /auth/token. Bounded, so a huge password is a 400, not a long hash. */
export class TokenRequestBody {
  @ApiProperty({ maxLength: 254, example: 'ada@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: 256, format: 'password' })
  @IsString()
  @MaxLength(256)
  password!: string;
}

export class TokenResponseJson {
  @ApiProperty({ description: 'A signed JWT (HS256); send it as `Authorization: Bearer <token>`.' })
  accessToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the token expires; then sign in again with POST /auth/token.', example: 900 })
  expiresIn!: number;
}
