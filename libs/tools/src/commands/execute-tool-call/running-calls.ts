import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The calls this executor is running, so a withdrawal (its turn was cancelled) reaches the run at once; and the
 * durable check a call makes before it runs, for a withdrawal that came before it was claimed here.
 */
@Injectable()
export class RunningCalls {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` with a signal that aborts if the call is withdrawn meanwhile (or already was). */
  async run<T>(toolCallId: string, work: (withdrawn: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.running.set(toolCallId, controller);
    try {
      return await work(controller.signal);
    } finally {
      if (this.running.get(toolCallId) === controller) this.running.delete(toolCallId);
    }
  }

  /** Aborts this executor's run of the call; false when it runs none. */
  withdraw(toolCallId: string): boolean {
    const controller = this.running.get(toolCallId);
    if (!controller) return false;
    controller.abort(new Error('the call was withdrawn'));
    return true;
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
