import { type ApprovalStatus } from '#soma/contracts';
import { type ToolApprovalEntity } from '#soma/persistence';

export interface ToolApprovalView {
  id: string;
  sessionId: string;
  turnId: string;
  toolCallId: string;
  tool: string;
  arguments: object;
  reasons: string[];
  ruleIds: string[];
  status: ApprovalStatus;
  requestedByKeyId: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  answerArguments: object | null;
  answerMessage: string | null;
  expiresAt: string;
  createdAt: string;
}

/** An approval as the API shows it; a pending one past its deadline shows as expired. */
export function toolApprovalView(row: ToolApprovalEntity, now = new Date()): ToolApprovalView {
  const lapsed = row.status === 'pending' && row.expiresAt <= now;
  return {
    id: row.id,
    sessionId: row.sessionId,
    turnId: row.turnId,
    toolCallId: row.toolCallId,
    tool: row.tool,
    arguments: row.arguments,
    reasons: row.reasons,
    ruleIds: row.ruleIds,
    status: lapsed ? 'expired' : row.status,
    requestedByKeyId: row.requestedByKeyId,
    answeredBy: row.answeredBy,
    answeredAt: row.answeredAt?.toISOString() ?? null,
    answerArguments: row.answerArguments,
    answerMessage: row.answerMessage,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}
