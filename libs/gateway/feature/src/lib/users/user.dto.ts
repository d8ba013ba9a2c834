import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

/** Body of POST /users (sign-up). Limits match user-service's own checks, which stay authoritative. */
export class CreateUserBody {
  @IsString()
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @Length(1, 200)
  name!: string;

  /** 12 to 256 characters of any kind: length is what makes a password strong. */
  @IsString()
  @Length(12, 256)
  password!: string;
}
