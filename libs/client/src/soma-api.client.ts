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
import { type PageParams } from './pages.js';

export interface SessionFilters extends PageParams {
  title?: string;
  modelProfileId?: string;
}

export interface RequeueFilters extends PageParams {
  status?: string;
  sessionId?: string;
  tool?: string;
}

const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};
const id = (value: string) => encodeURIComponent(value);

/**
 * Typed calls of the public API: every method returns the body or throws an ApiError. Lists return one page
 * (`{ items, next }`); pass `next` back as `cursor`, or wrap the call in `listAll`/`eachItem` to get them all.
 */
export class SomaApi extends ApiClient {
  me(): Promise<WhoAmI> {
    return this.call('GET', '/v1/me', [200]);
  }

  sessions(filters: SessionFilters = {}): Promise<Page<SessionView>> {
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

  sendMessage(
    sessionId: string,
    content: string,
    ifBusy?: IfBusy,
    toolAllowance?: TurnView['toolAllowance'],
  ): Promise<TurnAccepted> {
    return this.call('POST', `/v1/sessions/${id(sessionId)}/messages`, [202], {
      content,
      ...(ifBusy ? { ifBusy } : {}),
      ...(toolAllowance ? { toolAllowance } : {}),
    });
  }

  /** 200 once the turn has ended; 202 while a run that did not stop in time still ends it. */
  cancelTurn(sessionId: string, turnId: string): Promise<CancelledTurn> {
    return this.call('POST', `/v1/sessions/${id(sessionId)}/turns/${id(turnId)}/cancel`, [200, 202]);
  }

  sessionMessages(sessionId: string, page: PageParams = {}): Promise<Page<MessageView>> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/messages${query({ ...page })}`, [200]);
  }

  /** Turns carry their whole context: at most 50 a page. */
  turns(sessionId: string, page: PageParams = {}): Promise<Page<TurnView>> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/turns${query({ ...page })}`, [200]);
  }

  /** Tool calls carry their outputs: at most 50 a page. */
  toolCalls(sessionId: string, page: PageParams = {}): Promise<Page<ToolCallView>> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/tool-calls${query({ ...page })}`, [200]);
  }

  modelProfiles(page: PageParams = {}): Promise<Page<ModelProfileView>> {
    return this.call('GET', `/v1/model-profiles${query({ ...page })}`, [200]);
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
  approvals(sessionId: string, status?: string, page: PageParams = {}): Promise<Page<ToolApprovalView>> {
    return this.call('GET', `/v1/sessions/${id(sessionId)}/approvals${query({ status, ...page })}`, [200]);
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
