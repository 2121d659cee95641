import { type GenerateResult, type LlmProvider } from '#soma/llm';
import { TokenStream } from '../../streaming/token-stream.js';
import { holdingLease } from './turn-lease.js';

export interface GenerationOutcome {
  result: GenerateResult;
  /** What this run streamed (after the earlier runs' text). */
  text: string;
  startedAt: Date;
  endedAt: Date;
  firstTokenSeconds: number | null;
  leaseLost: boolean;
}

/**
 * Streams one generation through `write` while renewing the turn's lease; stops at once if the lease is lost
 * or a write fails (the run lost its turn).
 */
export async function generateWithLease(options: {
  provider: LlmProvider;
  request: Omit<Parameters<LlmProvider['generate']>[0], 'onDelta' | 'signal'>;
  write: (delta: string, signal: AbortSignal) => Promise<void>;
  coalesceMs: number;
  leaseMs: number;
  renewLease: () => Promise<boolean>;
}): Promise<GenerationOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  let firstTokenSeconds: number | null = null;
  const { value, leaseLost } = await holdingLease(
    options.leaseMs,
    options.renewLease,
    async (signal, abort) => {
      const stream = new TokenStream(async (delta) => {
        try {
          await options.write(delta, signal);
        } catch (error) {
          abort(error);
          throw error;
        }
      }, options.coalesceMs);
      const result = await options.provider.generate({
        ...options.request,
        signal,
        onDelta: (delta) => {
          firstTokenSeconds ??= (performance.now() - started) / 1000;
          stream.push(delta);
        },
      });
      return { result, text: await stream.close() };
    },
  );
  return { ...value, startedAt, endedAt: new Date(), firstTokenSeconds, leaseLost };
}
