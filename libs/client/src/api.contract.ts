/** The JSON shapes of the public REST API that clients read (see the gateway's OpenAPI document). */
export type ToolResultsSource = 'recorded' | 'live';

export interface ReplayOrigin {
  sourceSessionId: string;
  toolResults: ToolResultsSource;
}

export interface SessionView {
  id: string;
  title: string | null;
  modelProfileId?: string | null;
  replay?: ReplayOrigin | null;
  createdAt: string;
}

export interface Classification {
  status: string;
  intent?: string;
  sentiment?: { label: string; score?: number };
  tags?: string[];
  [key: string]: unknown;
}

export interface MessageView {
  id: string;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  turnId: string | null;
  toolCallId: string | null;
  classification: Classification | null;
  createdAt: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface TurnView {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  userMessageId: string | null;
  assistantMessageId: string | null;
  modelProfileId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  usage: TokenUsage | null;
  contextTokens: number | null;
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
  decidedAt: string;
}

export interface ToolCallView {
  toolCallId: string;
  turnId: string | null;
  tool: string;
  arguments: Record<string, unknown>;
  requestedBy: string;
  status: 'running' | 'ok' | 'error' | 'blocked';
  attempt: number;
  output: unknown;
  error: { code: string; message: string } | null;
  decisions: PolicyDecisionView[];
  source: 'sandbox' | 'recorded' | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ModelProfileView {
  id: string;
  name: string;
  provider: 'local' | 'openai';
  model: string;
  temperature: number;
  topP: number;
  maxTokens: number | null;
  contextWindow: number | null;
  systemPrompt: string | null;
  tools: string[];
  toolChoice: 'auto' | 'required';
  isDefault: boolean;
  updatedAt: string;
}

export interface RequeueItemView {
  id: string;
  toolCallId: string;
  tenantId: string;
  sessionId: string;
  tool: string;
  status: string;
  decision: { outcome?: string; ruleIds?: string[]; [key: string]: unknown };
  reasons: string[];
  attempt: number;
  resolvedBy: string | null;
  resolutionReason: string | null;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
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

export interface WhoAmI {
  tenantId: string;
  keyId: string | null;
  role: 'admin' | 'user';
  operator: boolean;
}
