import { allowanceProblem } from '#soma/conversation';
import { type ModelProfileEntity, type TurnToolAllowance } from '#soma/persistence';
import { openAiError, type ChatCompletionTurn, type OpenAiErrorBody } from './chat-completion-request.js';

export type ToolAllowanceResult =
  { ok: true; allowance: TurnToolAllowance | null } | { ok: false; body: OpenAiErrorBody };

/**
 * The request's `tools` / `tool_choice` as the turn's tool allowance (docs/openai-api.md, "Tools"): every named
 * tool must be in the tenant's registry (`UNKNOWN_TOOL`) and in the model profile's tools (`PARAMETER_UNSUPPORTED`:
 * a request narrows what the operator's profile grants, it never widens it); `required` needs a tool to require.
 * A request naming neither keeps the profile's own tools and choice (no allowance), and the registry (read from
 * PostgreSQL: the tenant's MCP tools) is not read at all.
 */
export async function toolAllowance(
  turn: Pick<ChatCompletionTurn, 'tools' | 'toolChoice'>,
  profile: Pick<ModelProfileEntity, 'name' | 'tools'>,
  registryNames: () => Promise<ReadonlySet<string>>,
): Promise<ToolAllowanceResult> {
  if (turn.tools === null && turn.toolChoice === 'auto') return { ok: true, allowance: null };
  const registry = await registryNames();
  const allowance = { tools: turn.tools ?? [...profile.tools], choice: turn.toolChoice };
  const param = (index: number | null) =>
    index === null || turn.tools === null ? 'tool_choice' : `tools[${index}]`;
  const unknown = allowance.tools.findIndex((name) => !registry.has(name));
  if (unknown >= 0) {
    const message = `unknown tool "${allowance.tools[unknown] ?? ''}"`;
    return { ok: false, body: openAiError('UNKNOWN_TOOL', message, param(unknown)) };
  }
  const problem = allowanceProblem(allowance, profile);
  if (problem)
    return { ok: false, body: openAiError('PARAMETER_UNSUPPORTED', problem.message, param(problem.index)) };
  return { ok: true, allowance };
}
