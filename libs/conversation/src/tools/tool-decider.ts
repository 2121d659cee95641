import { Injectable } from '@nestjs/common';
import { LocalLlamaProvider, type ChatMessage } from '#soma/llm';
import { ToolRegistry, type ToolDescriptor } from '#soma/tools';

export interface ToolCallChoice {
  tool: string;
  arguments: Record<string, unknown>;
}

const GRAMMAR_KEYS = new Set(['type', 'properties', 'required', 'enum', 'const', 'items', 'description']);

/** The subset of JSON Schema a GBNF grammar is built from; limits the schema cannot express are checked later. */
export function grammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(grammarSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!GRAMMAR_KEYS.has(key)) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, grammarSchema(v)]),
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
  constructor(
    private readonly llm: LocalLlamaProvider,
    private readonly registry: ToolRegistry,
  ) {}

  async decide(
    context: readonly ChatMessage[],
    allowed: readonly string[],
    required: boolean,
  ): Promise<ToolCallChoice | null> {
    const tools = this.registry.describe().filter((t) => allowed.includes(t.name));
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
      )) as { tool: string };
      if (choice.tool === 'none') return null;
      tool = choice.tool;
    }
    const descriptor = tools.find((t) => t.name === tool);
    if (!descriptor) return null;
    const args = (await this.llm.generateStructured(
      [...messages, { role: 'system', content: `Write the arguments of ${descriptor.name} as JSON.` }],
      grammarSchema(descriptor.parameters) as object,
      256,
    )) as Record<string, unknown>;
    return { tool: descriptor.name, arguments: args };
  }
}
