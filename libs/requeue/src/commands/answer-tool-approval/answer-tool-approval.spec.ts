import { SessionEntity } from '#soma/persistence';
import { describe, expect, it } from 'vitest';
import { mayAnswer } from '../../approvals/approval-access.js';
import { RequeueError } from '../../requeue.errors.js';
import { toolApprovalAnswer } from './answer-tool-approval.command.js';

const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof RequeueError && error.code === 'APPROVAL_ANSWER_INVALID')
      return error.fields.map((f) => f.field);
    throw error;
  }
  throw new Error('expected APPROVAL_ANSWER_INVALID');
};

describe('toolApprovalAnswer', () => {
  it('builds each decision from the fields that go with it', () => {
    expect(toolApprovalAnswer({ decision: 'approve' })).toEqual({ decision: 'approve' });
    expect(toolApprovalAnswer({ decision: 'edit', arguments: { query: 'x' } })).toEqual({
      decision: 'edit',
      arguments: { query: 'x' },
    });
    expect(toolApprovalAnswer({ decision: 'reject', message: 'no' })).toEqual({
      decision: 'reject',
      message: 'no',
    });
  });

  it('names the field that is missing or does not fit the decision', () => {
    expect(fieldsOf(() => toolApprovalAnswer({ decision: 'edit' }))).toEqual(['arguments']);
    expect(fieldsOf(() => toolApprovalAnswer({ decision: 'reject' }))).toEqual(['message']);
    expect(fieldsOf(() => toolApprovalAnswer({ decision: 'reject', message: '  ' }))).toEqual(['message']);
    expect(fieldsOf(() => toolApprovalAnswer({ decision: 'approve', arguments: {} }))).toEqual(['arguments']);
    expect(fieldsOf(() => toolApprovalAnswer({ decision: 'edit', arguments: {}, message: 'm' }))).toEqual([
      'message',
    ]);
  });
});

describe('mayAnswer', () => {
  const tenantId = '11111111-1111-4111-8111-111111111111';
  const owner = '22222222-2222-4222-8222-222222222222';
  const session = Object.assign(new SessionEntity(), { id: owner, tenantId, ownerKeyId: owner });
  const actor = (keyId: string, role: 'admin' | 'user', tenant = tenantId) => ({
    tenantId: tenant,
    keyId,
    role,
    operator: false,
  });

  it("lets the session's own key and its tenant's admins answer, nobody else", () => {
    const stranger = '33333333-3333-4333-8333-333333333333';
    expect(mayAnswer(session, actor(owner, 'user'))).toBe(true);
    expect(mayAnswer(session, actor(stranger, 'admin'))).toBe(true);
    expect(mayAnswer(session, actor(stranger, 'user'))).toBe(false);
    expect(mayAnswer(session, { ...actor(stranger, 'admin', owner), operator: true })).toBe(false);
    expect(mayAnswer(null, actor(owner, 'user'))).toBe(false);
    const legacy = Object.assign(new SessionEntity(), { tenantId, ownerKeyId: null });
    expect(mayAnswer(legacy, actor(owner, 'user'))).toBe(false);
    expect(mayAnswer(legacy, actor(stranger, 'admin'))).toBe(true);
  });
});
