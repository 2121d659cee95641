/** The public REST API, as the console uses it: Bearer API key from sessionStorage, errors as ApiError. */
const KEY_STORAGE = 'soma.console.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear: (): void => {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

function asError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object') {
    const { error, message } = body as { error?: unknown; message?: unknown };
    const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : '';
    return new ApiError(
      status,
      typeof error === 'string' ? error : `HTTP_${status}`,
      text || `HTTP ${status}`,
    );
  }
  return new ApiError(status, `HTTP_${status}`, typeof body === 'string' && body ? body : `HTTP ${status}`);
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  key: string | null = apiKey.get(),
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      error instanceof Error ? error.message : 'the gateway did not answer',
    );
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) throw asError(response.status, parsed);
  return parsed as T;
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface Me {
  tenantId: string;
  keyId: string | null;
  role: 'admin' | 'user';
  operator: boolean;
}

export interface Session {
  id: string;
  title: string | null;
  modelProfileId: string | null;
  replay: { sourceSessionId: string; toolResults: 'recorded' | 'live' } | null;
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

export interface Message {
  id: string;
  role: string;
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

export interface Turn {
  id: string;
  status: string;
  userMessageId: string | null;
  assistantMessageId: string | null;
  modelProfileId: string | null;
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

export interface PolicyDecision {
  outcome: string;
  mode: string;
  ruleIds: string[];
  reasons: string[];
  cached: boolean;
  transient?: boolean;
  attempt?: number;
  decidedAt: string;
}

export interface ToolCall {
  toolCallId: string;
  turnId: string | null;
  tool: string;
  arguments: unknown;
  requestedBy: 'model' | 'user';
  status: 'running' | 'ok' | 'error' | 'blocked';
  attempt: number;
  output: unknown;
  error: { code: string; message: string } | null;
  decisions: PolicyDecision[];
  source: 'sandbox' | 'recorded' | null;
  recordedFrom: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ModelProfile {
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

export interface RecentDecision extends PolicyDecision {
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

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface RequeueItem {
  id: string;
  toolCallId: string;
  tenantId: string;
  sessionId: string;
  tool: string;
  status: string;
  request: Record<string, unknown>;
  decision: Record<string, unknown>;
  reasons: string[];
  attempt: number;
  nextAttemptAt: string | null;
  resolvedBy: string | null;
  resolutionReason: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

export interface DeadLetter {
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
