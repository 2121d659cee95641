import { ApiClient } from './api.client.js';
import type {
  AuditChainPage,
  CancelledTurn,
  IfBusy,
  MessageView,
  ModelProfileView,
  Page,
  ReplayOrigin,
  RequeueItemView,
  RequeueResolution,
  SessionView,
  TenantPolicyBody,
  TenantPolicyView,
  ToolApprovalAnswerBody,
  ToolApprovalAnswered,
  ToolApprovalView,
  ToolCallView,
  TurnAccepted,
  TurnView,
  WhoAmI,
} from './api.contract.js';

export interface SessionFilters {
  limit?: number;
  offset?: number;
  title?: string;
  modelProfileId?: string;
}

export interface RequeueFilters {
  status?: string;
  sessionId?: string;
  tool?: string;
  limit?: number;
}

const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};
const id = (value: string) => encodeURIComponent(value);

/** Typed calls of the public API: every method returns the body or throws an ApiError. */
export class SomaApi extends ApiClient {
  me(): Promise<WhoAmI> {
    return this.call('GET', '/v1/me', [200]);
  }

  sessions(filters: SessionFilters = {}): Promise<SessionView[]> {
    return this.call('GET', `/v1/sessions${query({ ...filters })}`, [200]);
  }

  session(sessionId: string): Promise<SessionView> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}`, [200]);
  }

  openSession(options: {
    title?: string;
    modelProfile?: string;
    replay?: ReplayOrigin;
  }): Promise<SessionView> {
    return this.call('POST', '/v1/sessions', [201], options);
  }

  sendMessage(sessionId: string, content: string, ifBusy?: IfBusy): Promise<TurnAccepted> {
    return this.call('POST', `/v1/sessions/${id(sessionId)}/messages`, [202], {
      content,
      ...(ifBusy ? { ifBusy } : {}),
    });
  }

  /** 200 once the turn has ended; 202 while a run that did not stop in time still ends it. */
  cancelTurn(sessionId: string, turnId: string): Promise<CancelledTurn> {
    return this.call('POST', `/v1/sessions/${id(sessionId)}/turns/${id(turnId)}/cancel`, [200, 202]);
  }

  sessionMessages(sessionId: string): Promise<MessageView[]> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/messages`, [200]);
  }

  turns(sessionId: string): Promise<TurnView[]> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/turns`, [200]);
  }

  toolCalls(sessionId: string): Promise<ToolCallView[]> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/tool-calls`, [200]);
  }

  modelProfiles(): Promise<ModelProfileView[]> {
    return this.call('GET', '/v1/model-profiles', [200]);
  }

  modelProfile(idOrName: string): Promise<ModelProfileView> {
    return this.call('GET', `/v1/model-profiles/${id(idOrName)}`, [200]);
  }

  requeueItems(filters: RequeueFilters = {}): Promise<Page<RequeueItemView>> {
    return this.call('GET', `/v1/requeue${query({ ...filters })}`, [200]);
  }

  resolveRequeueItem(
    itemId: string,
    action: 'override' | 'reject',
    reason: string,
  ): Promise<RequeueResolution> {
    return this.call('POST', `/v1/requeue/${id(itemId)}/${action}`, [200], { reason });
  }

  /** The session's tool approvals (pending by default): its own user's, or its tenant admin's, to answer. */
  approvals(sessionId: string, status?: string): Promise<ToolApprovalView[]> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/approvals${query({ status })}`, [200]);
  }

  answerApproval(
    sessionId: string,
    toolCallId: string,
    answer: ToolApprovalAnswerBody,
  ): Promise<ToolApprovalAnswered> {
    return this.call('POST', `/v1/sessions/${id(sessionId)}/approvals/${id(toolCallId)}`, [200], answer);
  }

  /** A tenant's policy settings: the operator's for any tenant, a tenant admin's for its own. */
  tenantPolicy(tenantId: string): Promise<TenantPolicyView> {
    return this.call('GET', `/v1/tenants/${id(tenantId)}/policy`, [200]);
  }

  /** Replaces a tenant's policy settings (operator only); audited, in force in OPA when this returns. */
  setTenantPolicy(tenantId: string, body: TenantPolicyBody): Promise<TenantPolicyView> {
    return this.call('PUT', `/v1/tenants/${id(tenantId)}/policy`, [200], body);
  }

  /** A stretch of an audit chain (a tenant's id, or 'platform'; default the key's own tenant), in order. */
  auditChain(options: { tenantId?: string; after?: number; limit?: number } = {}): Promise<AuditChainPage> {
    return this.call('GET', `/v1/audit-events/chain${query({ ...options })}`, [200]);
  }
}
