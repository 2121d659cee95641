import { type SseEvent } from '#soma/client';
import { terminalEventTypes } from '#soma/contracts';

/** Helpers over SSE events of the turn stream. */
export const TERMINAL = new Set<string>(terminalEventTypes);

// The type parameter only names what the caller expects the JSON to be.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function payload<T = Record<string, unknown>>(event: SseEvent): T {
  return JSON.parse(event.data) as T;
}

export const ofTurn = (turnId: string) => (event: SseEvent) =>
  payload<{ turnId?: string }>(event).turnId === turnId;

export const terminalOf = (turnId: string) => (events: SseEvent[]) =>
  events.some((e) => TERMINAL.has(e.event) && ofTurn(turnId)(e));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
