import type { MessageView, ToolCallView, TurnView } from '#soma/client';
import { describe, expect, it } from 'vitest';
import { type SessionRecording } from '../sessions-show/session.format.js';
import { diffRecordings } from './replay-diff.js';

let clock = 0;
const at = () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString();
const message = (
  id: string,
  role: MessageView['role'],
  content: string,
  turnId: string | null,
  toolCallId: string | null = null,
): MessageView => ({
  id,
  role,
  content,
  turnId,
  toolCallId,
  classification: null,
  status: 'complete',
  createdAt: at(),
});
const turn = (id: string, userMessageId: string | null, usage: [number, number] | null): TurnView => ({
  id,
  status: 'completed',
  cancelledBy: null,
  instanceId: 'worker-1',
  attempts: 1,
  userMessageId,
  assistantMessageId: null,
  modelProfileId: 'p',
  toolAllowance: null,
  errorCode: null,
  errorMessage: null,
  usage: usage && { promptTokens: usage[0], completionTokens: usage[1], totalTokens: usage[0] + usage[1] },
  context: null,
  contextTokens: null,
  contextDigest: null,
  droppedMessages: null,
  createdAt: at(),
  completedAt: null,
});
const call = (toolCallId: string, turnId: string, code: string, outcome: string): ToolCallView => ({
  toolCallId,
  turnId,
  tool: 'code.execute',
  arguments: { code },
  requestedBy: 'model',
  status: 'ok',
  attempt: 1,
  output: null,
  error: null,
  decisions: [
    {
      outcome,
      mode: 'enforcing',
      ruleIds: outcome === 'allow' ? [] : ['risk.high'],
      reasons: [],
      cached: false,
      decidedAt: at(),
    },
  ],
  source: 'sandbox',
  recordedFrom: null,
  createdAt: at(),
  completedAt: null,
});
const recording = (id: string, parts: Omit<SessionRecording, 'session'>): SessionRecording => ({
  session: { id, title: null, modelProfileId: `profile-${id}`, replay: null, createdAt: at() },
  ...parts,
});

describe('diffRecordings', () => {
  it('pairs user messages in order, folds continuation turns into theirs, and compares every field', () => {
    const source = recording('s', {
      messages: [
        message('u1', 'user', 'first', 't1'),
        message('a1', 'assistant', '{"tool_call":{}}', 't1', 'c1'),
        message('r1', 'tool', '{}', 't1', 'c1'),
        message('a1b', 'assistant', 'it printed 42', 't1'),
        message('a1c', 'assistant', 'and more', 't1x'),
        message('u2', 'user', 'second', 't2'),
        message('a2', 'assistant', 'bye now', 't2'),
      ],
      turns: [turn('t1', 'u1', [10, 5]), turn('t1x', null, [20, 3]), turn('t2', 'u2', [30, 4])],
      toolCalls: [call('c1', 't1', 'print(42)', 'allow')],
    });
    const replay = recording('r', {
      messages: [
        message('v1', 'user', 'first', 'q1'),
        message('b1', 'assistant', 'it printed 42', 'q1'),
        message('v2', 'user', 'second', 'q2'),
        message('b2', 'assistant', 'bye', 'q2'),
      ],
      turns: [turn('q1', 'v1', [12, 6]), turn('q2', 'v2', null)],
      toolCalls: [call('d1', 'q2', 'print(1)', 'require_approval')],
    });
    const diff = diffRecordings(source, replay, 'recorded');
    expect(diff.source).toEqual({ sessionId: 's', modelProfileId: 'profile-s' });
    expect(diff.replay).toEqual({ sessionId: 'r', modelProfileId: 'profile-r', toolResults: 'recorded' });
    const [first, second] = diff.turns;
    expect(first?.source).toMatchObject({
      turnIds: ['t1', 't1x'],
      reply: 'it printed 42\nand more',
      usage: { promptTokens: 30, completionTokens: 8 },
    });
    expect(first?.tokens.prompt).toEqual({ source: 30, replay: 12, delta: -18 });
    expect(first?.reply.same).toBe(false);
    expect(first?.toolCalls.same).toBe(false);
    expect(second?.replay?.toolCalls).toEqual([
      {
        tool: 'code.execute',
        arguments: { code: 'print(1)' },
        status: 'ok',
        source: 'sandbox',
        decisions: [{ outcome: 'require_approval', ruleIds: ['risk.high'] }],
      },
    ]);
    expect(second?.tokens.completion).toEqual({ source: 4, replay: null, delta: null });
    expect(second?.decisions.same).toBe(false);
    expect(diff.summary).toMatchObject({
      turns: 2,
      sameReplies: 0,
      promptTokens: { source: 60, replay: 12 },
    });
  });

  it('marks a user message the replay never got as missing', () => {
    const source = recording('s', {
      messages: [message('u1', 'user', 'only', 't1')],
      turns: [turn('t1', 'u1', [1, 1])],
      toolCalls: [],
    });
    const replay = recording('r', { messages: [], turns: [], toolCalls: [] });
    expect(diffRecordings(source, replay, 'live').turns[0]?.replay).toBeNull();
  });
});
