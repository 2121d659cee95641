import { Injectable, Logger } from '@nestjs/common';
import { LocalLlamaProvider, type ChatMessage } from '#soma/llm';
import { ToolRegistry, type ToolDescriptor } from '#soma/tools';

export interface ToolCallChoice {
  tool: string;
  arguments: Record<string, unknown>;
}

const MAX_STRING = 240;
const GRAMMAR_KEYS = new Set(['type', 'properties', 'required', 'enum', 'const', 'items', 'description']);

/**
 * The subset of JSON Schema a GBNF grammar is built from: only required properties (the model leaves optional
 * ones to their defaults), unions of literals as enums. Limits the grammar cannot express are checked later by
 * the tool registry, before anything runs.
 */
export function grammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(grammarSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const anyOf = source.anyOf;
  if (Array.isArray(anyOf)) {
    const literals = anyOf.map((option) => (option as { const?: unknown }).const);
    if (literals.every((literal) => literal !== undefined)) return { enum: literals };
    return { oneOf: anyOf.map(grammarSchema) };
  }
  const out: Record<string, unknown> = {};
  if (source.type === 'string') {
    // Keep generated strings short enough that the JSON always closes within the decision's token limit.
    out.maxLength = Math.min(
      typeof source.maxLength === 'number' ? source.maxLength : MAX_STRING,
      MAX_STRING,
    );
    if (typeof source.minLength === 'number')
      out.minLength = Math.min(source.minLength, out.maxLength as number);
  }
  const required = Array.isArray(source.required) ? (source.required as string[]) : [];
  for (const [key, value] of Object.entries(source)) {
    if (!GRAMMAR_KEYS.has(key)) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
              .filter(([name]) => required.includes(name))
              .map(([name, property]) => [name, grammarSchema(property)]),
          )
        : grammarSchema(value);
  }
  return out;
}

function instructions(tools: readonly ToolDescriptor[]): ChatMessage {
  const list = tools.map((t) => `- ${t.name}: ${t.description}`).join('\n');
  return {
    role: 'system',
    content: `You can call these tools:\n${list}\nDecide which tool the last request needs.`,
  };
}

/**
 * With the local model, tool calls come from decisions constrained by JSON-schema grammars: first which tool
 * (or none, unless a call is required), then its arguments shaped by the tool's own schema.
 */
@Injectable()
export class ToolDecider {
  private readonly logger = new Logger(ToolDecider.name);

  constructor(
    private readonly llm: LocalLlamaProvider,
    private readonly registry: ToolRegistry,
  ) {}

  async decide(
    context: readonly ChatMessage[],
    allowed: readonly string[],
    required: boolean,
    tenantId: string,
  ): Promise<ToolCallChoice | null> {
    const tools = (await this.registry.forTenant(tenantId))
      .describe()
      .filter((t) => allowed.includes(t.name));
    if (tools.length === 0) return null;
    const messages = [...context, instructions(tools)];
    const names = tools.map((t) => t.name);
    let tool = names.length === 1 && required ? names[0] : undefined;
    if (!tool) {
      const options = required ? names : ['none', ...names];
      const choice = (await this.llm.generateStructured(
        messages,
        { type: 'object', properties: { tool: { enum: options } }, required: ['tool'] },
        32,
        tenantId,
      )) as { tool: string };
      if (choice.tool === 'none') return null;
      tool = choice.tool;
    }
    const descriptor = tools.find((t) => t.name === tool);
    if (!descriptor) return null;
    try {
      const args = (await this.llm.generateStructured(
        [...messages, { role: 'system', content: `Write the arguments of ${descriptor.name} as JSON.` }],
        grammarSchema(descriptor.parameters) as object,
        400,
        tenantId,
      )) as Record<string, unknown>;
      return { tool: descriptor.name, arguments: args };
    } catch (error) {
      // An unfinished JSON (token limit) is no call at all: the turn answers without a tool.
      this.logger.warn({
        msg: 'tool arguments not usable',
        tool: descriptor.name,
        error: (error as Error).message,
      });
      return null;
    }
  }
}
