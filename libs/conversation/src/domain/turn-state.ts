import { type TurnStatus } from '#soma/persistence';
import { ConversationError } from '../conversation.errors.js';

/** A turn moves forward only: queued → running → completed | failed; a terminal state is final. */
const next: Record<TurnStatus, readonly TurnStatus[]> = {
  queued: ['running', 'failed'],
  running: ['awaiting_tool', 'completed', 'failed'],
  awaiting_tool: ['running', 'failed'],
  completed: [],
  failed: [],
};

export const isTerminal = (status: TurnStatus): boolean => next[status].length === 0;

export function assertTurnTransition(turnId: string, from: TurnStatus, to: TurnStatus): void {
  if (!next[from].includes(to)) {
    throw new ConversationError('TURN_ALREADY_FINISHED', `turn ${turnId} cannot go from ${from} to ${to}`);
  }
}

/** Per-session sequence numbers only grow. */
export function assertSeqAdvances(previous: number, seq: number): void {
  if (!Number.isInteger(seq) || seq <= previous) {
    throw new ConversationError('SEQUENCE_REGRESSED', `seq ${seq} does not follow ${previous}`);
  }
}
