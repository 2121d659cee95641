import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { type ArgumentError } from '../registry/tool.registry.js';

/** The SDK's own Ajv (draft-07, formats): what MCP clients validate with, so we check what the SDK would. */
const ajv = new AjvJsonSchemaValidator();
const metaSchema = ajv.getValidator<unknown>({ $ref: 'http://json-schema.org/draft-07/schema#' });

/** A server's `$schema` names its dialect; the checks below are draft-07's (the keywords MCP tools use). */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema'));
}

/**
 * Why a tool's inputSchema is not usable as JSON Schema (null when it is): it must be an object schema, valid
 * against the draft-07 meta-schema, and compile (references resolve).
 */
export function schemaProblem(schema: unknown): string | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'is not an object';
  const plain = withoutDialect({ ...schema });
  if (plain.type !== 'object') return 'must have "type": "object"';
  const meta = metaSchema(plain);
  if (!meta.valid) return `is not valid JSON Schema: ${meta.errorMessage ?? 'invalid'}`;
  try {
    ajv.getValidator(plain);
    return null;
  } catch (error) {
    return `does not compile: ${(error as Error).message}`;
  }
}

/** The compiled check of a schema that passed `schemaProblem`. */
export function argumentsValidator(schema: Record<string, unknown>): (args: unknown) => ArgumentError[] {
  const validate = ajv.getValidator<unknown>(withoutDialect(schema));
  return (args) => {
    const result = validate(args);
    return result.valid ? [] : [{ path: '', message: result.errorMessage ?? 'invalid arguments' }];
  };
}
