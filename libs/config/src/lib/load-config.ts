import { z } from 'zod';

/** Thrown at start-up when the environment does not describe a valid configuration. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Validates the environment against a schema and returns the typed configuration.
 *
 * Every problem is reported at once, so an operator fixes a broken deployment in one pass
 * instead of discovering missing variables one restart at a time.
 */
export function loadConfig<Schema extends z.ZodType>(schema: Schema, env: Environment = process.env): z.infer<Schema> {
  // Empty strings count as unset: `FOO= npm start` should fall back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigValidationError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

/** A comma-separated list, e.g. `KAFKA_BROKERS=host1:9092,host2:9092`. */
export const commaSeparated = (item: z.ZodType<string, string> = z.string()) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item).min(1));

export const port = () => z.coerce.number().int().min(1).max(65535);

export const positiveInteger = () => z.coerce.number().int().positive();

export const nonNegativeInteger = () => z.coerce.number().int().min(0);

/** `true`/`false`/`1`/`0`/`yes`/`no`, as operators actually type them. */
export const booleanFlag = () =>
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');

/** The process environment, for code that must pass it on (a test starting a child process). */
export function processEnvironment(): Environment {
  return process.env;
}
