import { type RequeueItemEntity } from '#soma/persistence';
import { type EntityManager } from 'typeorm';
import { type Actor } from './actor.contract.js';
import { RequeueError } from './requeue.errors.js';
import { type RequeueItemRepository } from './requeue-item.repository.js';

/** Locks an item the actor may decide on; refuses an unknown one (404) and one already decided (409). */
export async function lockPendingItem(
  items: RequeueItemRepository,
  manager: EntityManager,
  actor: Actor,
  itemId: string,
): Promise<RequeueItemEntity> {
  const item = await items.lockForDecision(manager, itemId, actor.tenantId, actor.operator);
  if (!item) throw new RequeueError('REQUEUE_ITEM_NOT_FOUND', `requeue item ${itemId} not found`);
  if (item.status !== 'pending') {
    throw new RequeueError(
      'REQUEUE_ITEM_NOT_PENDING',
      `requeue item ${itemId} is ${item.status}, not pending`,
      {
        status: item.status,
      },
    );
  }
  return item;
}
