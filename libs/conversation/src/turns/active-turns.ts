import { Injectable } from '@nestjs/common';

/** The turns this process is running right now: its own runs are never taken over from under it. */
@Injectable()
export class ActiveTurns {
  private readonly running = new Set<string>();

  has(turnId: string): boolean {
    return this.running.has(turnId);
  }

  async run<T>(turnId: string, work: () => Promise<T>): Promise<T> {
    this.running.add(turnId);
    try {
      return await work();
    } finally {
      this.running.delete(turnId);
    }
  }
}
