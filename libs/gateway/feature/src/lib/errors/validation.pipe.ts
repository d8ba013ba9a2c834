import { ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { type FieldViolation, ValidationError } from '@workshop/errors';

/**
 * Validates bodies, params and queries against their DTO classes and reports every invalid field
 * by its path as the client sent it (`lines[0].unitPrice.currencyCode`). Unknown properties are
 * rejected, not silently dropped, so a typo in a field name is a 400 instead of a default value.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new ValidationError(flatten(errors)),
  });
}

function flatten(errors: readonly ClassValidatorError[], parentPath = ''): FieldViolation[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${parentPath}[${error.property}]`
      : parentPath
        ? `${parentPath}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field: path,
      message: withoutFieldName(message, error.property),
    }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** class-validator starts messages with the property name; the field is reported separately. */
function withoutFieldName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
