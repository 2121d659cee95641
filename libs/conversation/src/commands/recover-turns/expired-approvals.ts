import { ToolApprovalEntity } from '#soma/persistence';
import { type DataSource } from 'typeorm';

/** The turn ended with TOOL_TIMEOUT: its approvals still pending past their deadline become expired. */
export async function expireApprovalsOf(dataSource: DataSource, turnId: string): Promise<void> {
  await dataSource
    .createQueryBuilder()
    .update(ToolApprovalEntity)
    .set({ status: 'expired' })
    .where(`turn_id = :turnId AND status = 'pending' AND expires_at <= now()`, { turnId })
    .execute();
}
