import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The calls this executor is running, so a withdrawal (its turn was cancelled) reaches the run at once; and the
 * durable check a call makes before it runs, for a withdrawal that came before it was claimed here.
 */
@Injectable()
export class RunningCalls {
  private readonly running = new Map<string, { turnId: string | null; controller: AbortController }>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` with a signal that aborts if the call's turn is cancelled meanwhile. */
  async run<T>(
    call: { toolCallId: string; turnId: string | null },
    work: (withdrawn: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const entry = { turnId: call.turnId, controller: new AbortController() };
    this.running.set(call.toolCallId, entry);
    try {
      return await work(entry.controller.signal);
    } finally {
      if (this.running.get(call.toolCallId) === entry) this.running.delete(call.toolCallId);
    }
  }

  /** Aborts this executor's runs of the turn's calls; returns their ids (none when it runs none). */
  withdraw(turnId: string): string[] {
    const withdrawn: string[] = [];
    for (const [toolCallId, entry] of this.running) {
      if (entry.turnId !== turnId) continue;
      entry.controller.abort(new Error('the call was withdrawn'));
      withdrawn.push(toolCallId);
    }
    return withdrawn;
  }

  /** Whether the call's turn was asked to cancel (recorded before any control message is sent). */
  async withdrawnBefore(turnId: string | null): Promise<boolean> {
    if (!turnId) return false;
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM turns WHERE id = $1 AND cancel_requested_at IS NOT NULL`,
      [turnId],
    );
    return rows.length > 0;
  }
}
