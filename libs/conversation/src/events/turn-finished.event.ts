/** A turn reached its terminal state (inside the worker: metrics, caches). */
export class TurnFinishedEvent {
  constructor(
    readonly turnId: string,
    readonly profileName: string,
    readonly result: 'completed' | 'failed' | 'cancelled',
    readonly code: string | null,
    readonly durationSeconds: number,
    readonly firstTokenSeconds: number | null,
    readonly completionTokens: number,
  ) {}
}
