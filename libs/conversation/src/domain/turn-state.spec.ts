import { describe, expect, it } from 'vitest';
import { assertSeqAdvances, assertTurnTransition, isTerminal } from './turn-state.js';

describe('turn state', () => {
  it('moves forward only and has exactly one terminal state', () => {
    expect(() => {
      assertTurnTransition('t', 'queued', 'running');
    }).not.toThrow();
    expect(() => {
      assertTurnTransition('t', 'running', 'completed');
    }).not.toThrow();
    expect(() => {
      assertTurnTransition('t', 'running', 'failed');
    }).not.toThrow();
    expect(() => {
      assertTurnTransition('t', 'completed', 'failed');
    }).toThrow(/cannot go from completed to failed/);
    expect(() => {
      assertTurnTransition('t', 'failed', 'completed');
    }).toThrow();
    expect(() => {
      assertTurnTransition('t', 'running', 'queued');
    }).toThrow();
    expect(['queued', 'running', 'completed', 'failed'].filter((s) => isTerminal(s as 'queued'))).toEqual([
      'completed',
      'failed',
    ]);
  });

  it('sequence numbers only grow', () => {
    expect(() => {
      assertSeqAdvances(3, 4);
    }).not.toThrow();
    expect(() => {
      assertSeqAdvances(3, 3);
    }).toThrow();
    expect(() => {
      assertSeqAdvances(3, 2);
    }).toThrow();
  });
});
