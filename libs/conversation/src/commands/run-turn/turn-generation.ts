import { type GenerateResult, type LlmProvider } from '#soma/llm';
import { type TokenStream } from '../../streaming/outbound-events.publisher.js';
import { holdingLease } from './turn-lease.js';

export interface GenerationOutcome {
  result: GenerateResult;
  text: string;
  startedAt: Date;
  endedAt: Date;
  firstTokenSeconds: number | null;
  leaseLost: boolean;
}

/**
 * Streams one generation into the turn's event stream while renewing the turn's lease; stops at once if the
 * lease is lost (the watchdog has already ended the turn).
 */
export async function generateWithLease(options: {
  provider: LlmProvider;
  request: Omit<Parameters<LlmProvider['generate']>[0], 'onDelta' | 'signal'>;
  stream: TokenStream;
  leaseMs: number;
  renewLease: () => Promise<boolean>;
}): Promise<GenerationOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  let firstTokenSeconds: number | null = null;
  const { value: result, leaseLost } = await holdingLease(options.leaseMs, options.renewLease, (signal) =>
    options.provider.generate({
      ...options.request,
      signal,
      onDelta: (delta) => {
        firstTokenSeconds ??= (performance.now() - started) / 1000;
        options.stream.push(delta);
      },
    }),
  );
  const endedAt = new Date();
  const text = await options.stream.close();
  return { result, text, startedAt, endedAt, firstTokenSeconds, leaseLost };
}
