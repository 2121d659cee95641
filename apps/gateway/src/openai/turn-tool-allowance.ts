import { type TurnToolAllowance } from '#soma/persistence';
import { openAiError, type ChatCompletionTurn, type OpenAiErrorBody } from './chat-completion-request.js';

export type ToolAllowanceResult =
  { ok: true; allowance: TurnToolAllowance | null } | { ok: false; body: OpenAiErrorBody };

/**
 * The request's `tools` / `tool_choice` as the turn's tool allowance (docs/openai-api.md, "Tools"): every named
 * tool must be in the tenant's registry (`UNKNOWN_TOOL`) and in the model profile's tools (`PARAMETER_UNSUPPORTED`:
 * a request narrows what the operator's profile grants, it never widens it); `required` needs a tool to require.
 * A request naming neither keeps the profile's own tools and choice (no allowance).
 */
export function toolAllowance(
  turn: Pick<ChatCompletionTurn, 'tools' | 'toolChoice' | 'model'>,
  profileTools: readonly string[],
  registry: ReadonlySet<string>,
): ToolAllowanceResult {
  if (turn.tools === null && turn.toolChoice === 'auto') return { ok: true, allowance: null };
  const tools = turn.tools ?? [...profileTools];
  for (const [i, name] of tools.entries()) {
    const param = turn.tools === null ? 'tool_choice' : `tools[${i}]`;
    if (!registry.has(name))
      return { ok: false, body: openAiError('UNKNOWN_TOOL', `unknown tool "${name}"`, param) };
    if (!profileTools.includes(name)) {
      const granted = profileTools.length > 0 ? profileTools.join(', ') : 'none';
      const message = `tool "${name}" is not enabled for the model ${turn.model} (its tools: ${granted})`;
      return { ok: false, body: openAiError('PARAMETER_UNSUPPORTED', message, param) };
    }
  }
  if (turn.toolChoice === 'required' && tools.length === 0) {
    const message = `tool_choice is required but the model ${turn.model} has no tools`;
    return { ok: false, body: openAiError('PARAMETER_UNSUPPORTED', message, 'tool_choice') };
  }
  return { ok: true, allowance: { tools, choice: turn.toolChoice } };
}
