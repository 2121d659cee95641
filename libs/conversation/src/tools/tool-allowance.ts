import { type ModelProfileEntity, type TurnToolAllowance } from '#soma/persistence';

export interface TurnTools {
  /** What the model may call in this turn, in the profile's order. */
  tools: string[];
  /** Whether a call is required (only ever with at least one tool). */
  required: boolean;
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
