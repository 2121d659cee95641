import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type Tool, type ToolDefinition, type ToolDescriptor } from './tool-definition.contract.js';

export interface ArgumentError {
  /** JSON pointer into the arguments, e.g. /language ('' for the arguments object itself). */
  path: string;
  message: string;
}

export type ArgumentsCheck =
  | { ok: true; tool: Tool }
  | { ok: false; code: 'UNKNOWN_TOOL' | 'INVALID_ARGUMENTS'; message: string; errors: ArgumentError[] };

/** A tool with its compiled argument check (TypeBox for built-in tools, JSON Schema for MCP tools). */
export interface RegisteredTool {
  tool: Tool;
  validate(args: unknown): ArgumentError[];
}

/** Tools a tenant has beyond the built-in ones: its MCP servers' (McpCatalog). */
export interface TenantToolSource {
  tools(tenantId: string): Promise<RegisteredTool[]>;
}

function builtIn(tool: ToolDefinition): RegisteredTool {
  const check = TypeCompiler.Compile(tool.parameters);
  return {
    tool,
    validate: (args) =>
      check.Check(args)
        ? []
        : [...check.Errors(args)].slice(0, 10).map((error) => ({ path: error.path, message: error.message })),
  };
}

/** A set of tools by name: the built-in ones, or a tenant's view (built-in and its MCP tools). */
export class ToolSet {
  private readonly tools = new Map<string, RegisteredTool>();

  constructor(entries: readonly RegisteredTool[]) {
    for (const entry of entries) {
      if (this.tools.has(entry.tool.name)) throw new Error(`two tools named ${entry.tool.name}`);
      this.tools.set(entry.tool.name, entry);
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
    const errors = entry.validate(args);
    if (errors.length === 0) return { ok: true, tool: entry.tool };
    const summary = errors.map((error) => `${error.path || '/'}: ${error.message}`).join('; ');
    return {
      ok: false,
      code: 'INVALID_ARGUMENTS',
      message: `invalid arguments for ${name}: ${summary}`,
      errors,
    };
  }
}

/**
 * Every tool by name, with its compiled argument schema: the built-in tools, and per tenant the tools of its MCP
 * servers (`forTenant`, read from PostgreSQL on each call so every app sees a registration at once).
 */
export class ToolRegistry extends ToolSet {
  private readonly entries: RegisteredTool[];

  constructor(
    tools: readonly ToolDefinition[],
    private readonly tenantTools?: TenantToolSource,
  ) {
    const entries = tools.map(builtIn);
    super(entries);
    this.entries = entries;
  }

  /** The tenant's tools: built-in ones and its MCP servers'. */
  async forTenant(tenantId: string): Promise<ToolSet> {
    const extra = this.tenantTools ? await this.tenantTools.tools(tenantId) : [];
    return extra.length === 0 ? this : new ToolSet([...this.entries, ...extra]);
  }
}
