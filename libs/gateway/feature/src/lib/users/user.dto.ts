import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';

/** Body of POST /users. Limits match user-service's own checks, which stay authoritative. */
export class CreateUserBody {
  @IsString()
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @Length(1, 200)
  name!: string;
}

/** Body of PATCH /users/:id: the fields to change; user-service rejects a body with neither. */
export class UpdateUserBody {
  @IsOptional()
  @IsString()
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}
