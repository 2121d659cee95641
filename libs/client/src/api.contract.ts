/**
 * The JSON shapes of the public REST API that clients read (see the gateway's OpenAPI document): one definition
 * for the typed client, the CLI and the console.
 */
export type ToolResultsSource = 'recorded' | 'live';

export interface ReplayOrigin {
  sourceSessionId: string;
  toolResults: ToolResultsSource;
}

export interface WhoAmI {
  tenantId: string;
  keyId: string | null;
  role: 'admin' | 'user';
  operator: boolean;
}

export interface SessionView {
  id: string;
  title: string | null;
  modelProfileId: string | null;
  replay: ReplayOrigin | null;
  createdAt: string;
}

export interface Classification {
  status: 'classified' | 'unclassified';
  intent?: string;
  sentiment?: { label: string; score: number };
  tags?: string[];
  confidence?: number;
  reason?: string;
}

export interface MessageView {
  id: string;
  role: string;
  content: string;
  turnId: string | null;
  toolCallId: string | null;
  classification: Classification | null;
  /** cancelled: the partial reply of a cancelled turn, as far as it streamed. */
  status: 'complete' | 'cancelled';
  createdAt: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** Who cancelled a turn, and how (api, socket, interrupt: a message posted with ifBusy, disconnect). */
export interface CancellerView {
  role: 'admin' | 'user';
  keyId: string | null;
  via: 'api' | 'socket' | 'interrupt' | 'disconnect';
}

/** What a message does while the session has a turn open. */
export type IfBusy = 'enqueue' | 'reject' | 'interrupt';

/** A turn's state as a cancel answers it. */
export interface CancelledTurn {
  turnId: string;
  status: string;
  cancelRequested: boolean;
  cancelledBy: CancellerView | null;
}

export interface TurnView {
  id: string;
  status: string;
  cancelledBy: CancellerView | null;
  /** The worker instance running the turn (or the last one that ran it). */
  instanceId: string | null;
  /** Runs it took (more than 1 when another instance continued it after a crash). */
  attempts: number;
  userMessageId: string | null;
  assistantMessageId: string | null;
  modelProfileId: string | null;
  /** The tools this turn was narrowed to (the OpenAI route's tools / tool_choice); null: its profile's. */
  toolAllowance: { tools: string[]; choice: 'auto' | 'none' | 'required' } | null;
  errorCode: string | null;
  errorMessage: string | null;
  usage: TokenUsage | null;
  context: { role: string; content: string }[] | null;
  contextTokens: number | null;
  contextDigest: string | null;
  droppedMessages: number | null;
  createdAt: string;
  completedAt: string | null;
}

export interface PolicyDecisionView {
  outcome: string;
  mode: string;
  ruleIds: string[];
  reasons: string[];
  cached: boolean;
  transient?: boolean;
  attempt?: number;
  decidedAt: string;
}

export interface ToolCallView {
  toolCallId: string;
  turnId: string | null;
  tool: string;
  arguments: Record<string, unknown>;
  requestedBy: 'model' | 'user';
  status: 'running' | 'ok' | 'error' | 'blocked';
  attempt: number;
  output: unknown;
  error: { code: string; message: string } | null;
  decisions: PolicyDecisionView[];
  source: 'sandbox' | 'recorded' | null;
  recordedFrom: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ModelProfileView {
  id: string;
  name: string;
  provider: 'local' | 'openai';
  model: string;
  baseUrl: string | null;
  apiKeyEnv: string | null;
  temperature: number;
  topP: number;
  maxTokens: number | null;
  contextWindow: number | null;
  systemPrompt: string | null;
  inputCostPer1k: number;
  outputCostPer1k: number;
  tools: string[];
  toolChoice: 'auto' | 'required';
  isDefault: boolean;
  updatedAt: string;
}

export interface EngineHealth {
  healthy: boolean;
  latencyMs: number;
  error: string | null;
}

export interface RecentDecision extends PolicyDecisionView {
  id: string;
  tenantId: string;
  sessionId: string;
  toolCallId: string;
  tool: string;
}

export interface PolicyStatus {
  mode: 'enforcing' | 'canary';
  engines: { opa: EngineHealth; openfga: EngineHealth };
  windowHours: number;
  totals: {
    decisions: number;
    allowed: number;
    denied: number;
    approvalRequired: number;
    overridden: number;
  };
  recentDecisions: RecentDecision[];
  denialsByRule: { ruleId: string; count: number }[];
}

export type { Page } from './pages.js';

export interface RequeueItemView {
  id: string;
  toolCallId: string;
  tenantId: string;
  sessionId: string;
  tool: string;
  status: string;
  request: Record<string, unknown>;
  decision: { outcome?: string; ruleIds?: string[]; [key: string]: unknown };
  reasons: string[];
  /** Who may override it: any admin of the tenant, only the operator (an overridable deny), or nobody. */
  overridableBy: 'admin' | 'operator' | null;
  attempt: number;
  nextAttemptAt: string | null;
  resolvedBy: string | null;
  resolutionReason: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

export interface DeadLetterView {
  id: string;
  sourceTopic: string;
  dlqTopic: string;
  source: string | null;
  reason: string;
  detail: string;
  app: string | null;
  key: string | null;
  value: string | null;
  tenantId: string | null;
  sessionId: string | null;
  status: 'stored' | 'replayed';
  replayedAt: string | null;
  createdAt: string;
}

export interface RequeueResolution {
  id: string;
  status: string;
  toolCallId: string;
  [key: string]: unknown;
}

export interface TurnAccepted {
  turnId: string;
  messageId: string;
  replayed: boolean;
}

/** A tool call waiting for its session's user (approval in the chat), or the answer it got. */
export interface ToolApprovalView {
  id: string;
  sessionId: string;
  turnId: string;
  toolCallId: string;
  tool: string;
  arguments: Record<string, unknown>;
  reasons: string[];
  ruleIds: string[];
  status: 'pending' | 'approved' | 'edited' | 'rejected' | 'expired' | 'withdrawn';
  requestedByKeyId: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  answerArguments: Record<string, unknown> | null;
  answerMessage: string | null;
  expiresAt: string;
  createdAt: string;
}

export type ToolApprovalAnswerBody =
  | { decision: 'approve' }
  | { decision: 'edit'; arguments: Record<string, unknown> }
  | { decision: 'reject'; message: string };

export interface ToolApprovalAnswered {
  toolCallId: string;
  status: 'approved' | 'edited' | 'rejected';
  grantId: string | null;
  auditId: string;
}

/** GET/PUT /v1/tenants/{id}/policy: a tenant's policy settings (updatedAt/updatedBy null: never set). */
export interface TenantPolicyView {
  egressHosts: string[];
  allowedCidrs: string[];
  allowedPorts: number[];
  disabledTools: string[];
  userApprovalTools: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The PUT body: the whole set (a field left out takes its default), and why (kept in the audit event). */
export type TenantPolicyBody = Partial<Omit<TenantPolicyView, 'updatedAt' | 'updatedBy'>> & {
  reason?: string;
};

/** One event of an audit chain, with every field its hash covers (docs/audit.md). */
export interface AuditChainEvent {
  id: string;
  /** null: the platform's chain. */
  tenantId: string | null;
  seq: number;
  prevHash: string;
  hash: string;
  actorKeyId: string | null;
  actorRole: string;
  action: string;
  subjectType: string;
  subjectId: string;
  reason: string;
  detail: unknown;
  occurredAt: string;
}

export interface AuditChainPage {
  chain: string;
  items: AuditChainEvent[];
  /** `after` for the next page; null at the end. */
  next: number | null;
}

/** GET /v1/observability/dashboard: every panel on one time axis (unix seconds); null where nothing was sampled. */
export interface DashboardView {
  start: number;
  end: number;
  stepSeconds: number;
  timestamps: number[];
  panels: {
    id: string;
    title: string;
    description: string;
    unit: 'per_second' | 'seconds' | 'count';
    series: { name: string; values: (number | null)[] }[];
  }[];
}
