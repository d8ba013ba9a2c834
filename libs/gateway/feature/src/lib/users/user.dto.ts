import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';

const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 200;

/** Body of POST /users (sign-up). Limits match user-service's own checks, which stay authoritative. */
export class CreateUserBody {
  @ApiProperty({
    format: 'email',
    maxLength: MAX_EMAIL_LENGTH,
    description: 'Unique, compared case-insensitively.',
    example: 'ada@example.com',
  })
  @IsString()
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(MAX_EMAIL_LENGTH)
  email!: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_NAME_LENGTH, example: 'Ada Lovelace' })
  @IsString()
  @Length(1, MAX_NAME_LENGTH)
  name!: string;

  /** 12 to 256 characters of any kind: length is what makes a password strong. */
  @IsString()
  @Length(12, 256)
  password!: string;
}

/** Body of PATCH /users/:id: the fields to change; user-service rejects a body with neither. */
export class UpdateUserBody {
  @ApiProperty({ required: false, format: 'email', maxLength: MAX_EMAIL_LENGTH, example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(MAX_EMAIL_LENGTH)
  email?: string;

  @ApiProperty({ required: false, minLength: 1, maxLength: MAX_NAME_LENGTH, example: 'Ada King' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_NAME_LENGTH)
  name?: string;
}
