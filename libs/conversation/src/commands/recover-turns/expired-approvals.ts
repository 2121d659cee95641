import { ToolApprovalEntity } from '#soma/persistence';
import { type DataSource } from 'typeorm';

/**
 * The turn ended with TOOL_TIMEOUT: its approvals still pending become expired (nothing waits for them; the
 * wait of a turn asking for approval lapses at the approval's deadline).
 */
export async function expireApprovalsOf(dataSource: DataSource, turnId: string): Promise<void> {
  await dataSource
    .createQueryBuilder()
    .update(ToolApprovalEntity)
    .set({ status: 'expired' })
    .where(`turn_id = :turnId AND status = 'pending'`, { turnId })
    .execute();
}
