import { type ToolCallRequested } from '#soma/contracts';
import { type ToolCallEntity } from '#soma/persistence';
import { describe, expect, it } from 'vitest';
import { planRedelivery } from './redelivery.js';

const request = (attempt: number, grant = false): ToolCallRequested => ({
  toolCallId: '00000000-0000-4000-8000-000000000001',
  turnId: null,
  tool: 'web.search',
  arguments: {},
  requestedBy: 'model',
  principal: { role: 'user', keyId: null },
  context: {},
  attempt,
  ...(grant
    ? { grant: { grantId: '00000000-0000-4000-8000-000000000002', argumentsHash: 'a'.repeat(64) } }
    : {}),
});

const stored = (status: ToolCallEntity['status'], attempt = 1, grantId: string | null = null) =>
  ({ status, attempt, grantId }) as ToolCallEntity;

describe('planRedelivery', () => {
  it('claims a new call', () => {
    expect(planRedelivery(null, request(1))).toBe('claim');
  });

  it('never runs a finished call again, whatever the attempt', () => {
    expect(planRedelivery(stored('ok'), request(5))).toBe('replay');
    expect(planRedelivery(stored('error'), request(2, true))).toBe('replay');
  });

  it('waits for a call that is running', () => {
    expect(planRedelivery(stored('running'), request(1))).toBe('wait');
  });

  it('re-decides a blocked call only on a later attempt or with a first grant', () => {
    expect(planRedelivery(stored('blocked', 1), request(1))).toBe('replay');
    expect(planRedelivery(stored('blocked', 1), request(2))).toBe('claim');
    expect(planRedelivery(stored('blocked', 1), request(1, true))).toBe('claim');
    expect(
      planRedelivery(stored('blocked', 1, '00000000-0000-4000-8000-000000000002'), request(1, true)),
    ).toBe('replay');
  });
});
