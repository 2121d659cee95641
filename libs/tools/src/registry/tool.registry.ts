import { type TObject } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { type ToolDefinition, type ToolDescriptor } from './tool-definition.contract.js';

export interface ArgumentError {
  /** JSON pointer into the arguments, e.g. /language ('' for the arguments object itself). */
  path: string;
  message: string;
}

export type ArgumentsCheck =
  | { ok: true; tool: ToolDefinition }
  | { ok: false; code: 'UNKNOWN_TOOL' | 'INVALID_ARGUMENTS'; message: string; errors: ArgumentError[] };

/** Every tool by name, with its compiled argument schema. */
export class ToolRegistry {
  private readonly tools = new Map<string, { tool: ToolDefinition; check: TypeCheck<TObject> }>();

  constructor(tools: readonly ToolDefinition[]) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`two tools named ${tool.name}`);
      this.tools.set(tool.name, { tool, check: TypeCompiler.Compile(tool.parameters) });
    }
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  describe(): ToolDescriptor[] {
    return [...this.tools.values()].map(({ tool }) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
      risk: tool.risk,
      timeoutMs: tool.timeoutMs,
      outputCapBytes: tool.outputCapBytes,
    }));
  }

  /** The first gate of every call: the tool exists and its arguments match its schema. */
  check(name: string, args: unknown): ArgumentsCheck {
    const entry = this.tools.get(name);
    if (!entry) {
      return {
        ok: false,
        code: 'UNKNOWN_TOOL',
        message: `unknown tool "${name}"; known tools: ${this.names().join(', ')}`,
        errors: [],
      };
    }
    if (entry.check.Check(args)) return { ok: true, tool: entry.tool };
    const errors = [...entry.check.Errors(args)]
      .slice(0, 10)
      .map((error) => ({ path: error.path, message: error.message }));
    const summary = errors.map((error) => `${error.path || '/'}: ${error.message}`).join('; ');
    return {
      ok: false,
      code: 'INVALID_ARGUMENTS',
      message: `invalid arguments for ${name}: ${summary}`,
      errors,
    };
  }
}
