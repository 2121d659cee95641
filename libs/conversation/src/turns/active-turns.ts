import { Injectable } from '@nestjs/common';
import { type Canceller } from '#soma/contracts';

/** Why a run's signal aborted when its turn was cancelled. */
export class TurnCancelledSignal extends Error {
  constructor(readonly by: Canceller) {
    super('the turn was cancelled');
  }
}

/**
 * The turns this process is running right now: its own runs are never taken over from under it, and a cancel
 * reaches the run through its signal.
 */
@Injectable()
export class ActiveTurns {
  private readonly running = new Map<string, AbortController>();

  has(turnId: string): boolean {
    return this.running.has(turnId);
  }

  async run<T>(turnId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.running.set(turnId, controller);
    try {
      return await work(controller.signal);
    } finally {
      if (this.running.get(turnId) === controller) this.running.delete(turnId);
    }
  }

  /** Stops this process's run of the turn; false when it runs none. */
  cancel(turnId: string, by: Canceller): boolean {
    const controller = this.running.get(turnId);
    if (!controller) return false;
    controller.abort(new TurnCancelledSignal(by));
    return true;
  }
}
