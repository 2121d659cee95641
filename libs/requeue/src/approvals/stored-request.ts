import { ToolCallRequestedSchema, type ToolCallRequested } from '#soma/contracts';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const check = TypeCompiler.Compile(ToolCallRequestedSchema);

/** The request an approval recorded, read back through its contract (the column is jsonb). */
export function storedRequest(value: unknown): ToolCallRequested {
  if (!check.Check(value)) throw new Error('a stored approval request does not match tool.call.requested');
  return value;
}
