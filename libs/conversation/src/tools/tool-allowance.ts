import { type ModelProfileEntity, type TurnToolAllowance } from '#soma/persistence';

export interface TurnTools {
  /** What the model may call in this turn, in the profile's order. */
  tools: string[];
  /** Whether a call is required (only ever with at least one tool). */
  required: boolean;
}

/** What is wrong with an allowance for a profile: the tool at `index` it does not grant, or nothing to require. */
export interface AllowanceProblem {
  /** The position in `tools` of the tool the profile lacks; null: `required` with no tool left. */
  index: number | null;
  message: string;
}

/**
 * An allowance may only name the profile's tools (it narrows, never widens), and `required` needs one of them.
 * Checked when the turn is posted, so a bad allowance is a clear refusal rather than a turn without tools.
 */
export function allowanceProblem(
  allowance: TurnToolAllowance,
  profile: Pick<ModelProfileEntity, 'name' | 'tools'>,
): AllowanceProblem | null {
  const index = allowance.tools.findIndex((tool) => !profile.tools.includes(tool));
  if (index >= 0) {
    const granted = profile.tools.length > 0 ? profile.tools.join(', ') : 'none';
    const message = `tool "${allowance.tools[index] ?? ''}" is not enabled for the model profile ${profile.name} (its tools: ${granted})`;
    return { index, message };
  }
  if (allowance.choice === 'required' && allowance.tools.length === 0)
    return {
      index: null,
      message: `a tool call is required but the model profile ${profile.name} has no tools`,
    };
  return null;
}

/**
 * The tools of one turn: its profile's, narrowed by the turn's own allowance when it has one (the profile's tools
 * that the allowance names; `none` leaves none; `required` makes a call required). An allowance never widens
 * what the profile grants: an operator's profile is the ceiling, policy still decides each call.
 */
export function turnTools(
  profile: Pick<ModelProfileEntity, 'tools' | 'toolChoice'>,
  allowance: TurnToolAllowance | null,
): TurnTools {
  if (allowance === null) return { tools: [...profile.tools], required: profile.toolChoice === 'required' };
  if (allowance.choice === 'none') return { tools: [], required: false };
  const named = new Set(allowance.tools);
  const tools = profile.tools.filter((tool) => named.has(tool));
  return { tools, required: allowance.choice === 'required' && tools.length > 0 };
}
