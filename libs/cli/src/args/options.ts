import { UsageError } from '../cli.errors.js';
import { type OptionValues } from '../cli.contract.js';

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A whole number flag within bounds, or a usage error naming the flag. */
export function intOption(
  values: OptionValues,
  name: string,
  bounds: { min: number; max?: number },
): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < bounds.min || (bounds.max !== undefined && value > bounds.max))
    throw new UsageError(
      `--${name} must be a whole number ≥ ${bounds.min}${bounds.max === undefined ? '' : ` and ≤ ${bounds.max}`}`,
    );
  return value;
}

/** A flag that must be there and not blank (`--reason`). */
export function requiredText(values: OptionValues, name: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} <text> is required`);
  return value;
}
