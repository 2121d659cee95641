import { type ToolCallRequested } from '#soma/contracts';
import { type ToolCallEntity } from '#soma/persistence';

export type RedeliveryPlan = 'claim' | 'replay' | 'wait';

/**
 * What to do with a request whose tool call may already be known: run it (claim), answer with the stored
 * result (replay), or wait for the run in progress elsewhere. A blocked call runs again only on a later attempt
 * or with an override grant; a call that ran (or that its session's user rejected) never runs again.
 */
export function planRedelivery(existing: ToolCallEntity | null, request: ToolCallRequested): RedeliveryPlan {
  if (!existing) return 'claim';
  switch (existing.status) {
    case 'ok':
    case 'error':
    case 'rejected':
      return 'replay';
    case 'running':
      return 'wait';
    case 'blocked':
      return request.attempt > existing.attempt || (request.grant !== undefined && existing.grantId === null)
        ? 'claim'
        : 'replay';
    default:
      return 'replay';
  }
}
