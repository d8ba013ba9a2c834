import { IsString, MaxLength } from 'class-validator';

/** Body of POST /auth/token. Bounded, so a huge password is a 400, not a long hash. */
export class TokenRequestBody {
  @IsString()
  @MaxLength(254)
  email!: string;

  @IsString()
  @MaxLength(256)
  password!: string;
}

export interface TokenResponseJson {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires; then sign in again with POST /auth/token. */
  expiresIn: number;
}
