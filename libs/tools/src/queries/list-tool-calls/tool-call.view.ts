import { type PolicyDecisionOutcome, type ToolCallStatus } from '#soma/persistence';

export interface DecisionView {
  outcome: PolicyDecisionOutcome;
  mode: 'enforcing' | 'canary';
  ruleIds: string[];
  reasons: string[];
  cached: boolean;
  transient: boolean;
  attempt: number;
  decidedAt: string;
}

export interface ToolCallView {
  toolCallId: string;
  turnId: string | null;
  tool: string;
  arguments: Record<string, unknown>;
  requestedBy: 'model' | 'user';
  status: ToolCallStatus;
  attempt: number;
  output: unknown;
  error: { code: string; message: string } | null;
  decisions: DecisionView[];
  source: 'sandbox' | 'recorded' | null;
  recordedFrom: string | null;
  createdAt: string;
  completedAt: string | null;
}
