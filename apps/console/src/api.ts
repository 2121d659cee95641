/** The public REST API, as the console uses it: Bearer API key from sessionStorage, errors as ApiError. */
import { ApiError, listAll, type Page } from '#soma/client';

const KEY_STORAGE = 'soma.console.apiKey';

export { ApiError };

export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear: (): void => {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

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
    throw ApiError.network(path, error);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  if (!response.ok) throw ApiError.fromResponse(response.status, parsed);
  return parsed as T;
}

/** Every item of a list, page after page (`path` without a query, or with one: `?a=b`). */
export function apiAll<T>(path: string, limit = 200): Promise<T[]> {
  return listAll((cursor) =>
    api<Page<T>>('GET', `${path}${path.includes('?') ? '&' : '?'}${query({ limit, cursor }).slice(1)}`),
  );
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export type {
  Classification,
  DashboardView as Dashboard,
  DeadLetterView as DeadLetter,
  EngineHealth,
  MessageView as Message,
  ModelProfileView as ModelProfile,
  Page,
  PolicyDecisionView as PolicyDecision,
  PolicyStatus,
  RecentDecision,
  RequeueItemView as RequeueItem,
  SessionView as Session,
  TokenUsage,
  ToolApprovalAnswerBody as ApprovalAnswer,
  ToolApprovalAnswered as ApprovalAnswered,
  ToolApprovalView as ToolApproval,
  ToolCallView as ToolCall,
  TurnView as Turn,
  WhoAmI as Me,
} from '#soma/client';
