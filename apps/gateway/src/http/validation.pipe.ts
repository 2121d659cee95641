import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

export function flattenValidationErrors(
  errors: ValidationError[],
  parent = '',
): { field: string; errors: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** DTO validation: unknown fields rejected, every failing field named. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      return new BadRequestException({
        error: 'VALIDATION_FAILED',
        message: fields.map((f) => f.errors.join(', ')).join('; '),
        fields,
      });
    },
  });
}
