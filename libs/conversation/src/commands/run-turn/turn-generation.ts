import { type GenerateResult, type LlmProvider } from '#soma/llm';
import { type ModelProfileEntity } from '#soma/persistence';
import { inSpan, SpanKind } from '#soma/platform';
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
  /** Why the generation was stopped early (a cancel, a refused write); undefined when it ran to its end. */
  stopped: Error | undefined;
}

/**
 * Streams one generation through `write` while renewing the turn's lease; stops at once (within the decode step
 * under way) if the lease is lost, a write fails (the run lost its turn, or it is being cancelled) or `stop`
 * aborts. A stopped generation returns what it had: the provider's count of the tokens it generated is what a
 * cancelled turn is charged.
 */
export async function generateWithLease(options: {
  provider: LlmProvider;
  request: Omit<Parameters<LlmProvider['generate']>[0], 'onDelta' | 'signal'>;
  write: (delta: string, signal: AbortSignal) => Promise<void>;
  coalesceMs: number;
  leaseMs: number;
  renewLease: () => Promise<boolean>;
  stop?: AbortSignal;
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
      let result: GenerateResult;
      try {
        result = await options.provider.generate({
          ...options.request,
          signal,
          onDelta: (delta) => {
            firstTokenSeconds ??= (performance.now() - started) / 1000;
            stream.push(delta);
          },
        });
      } catch (error) {
        // Stopped before its first token, a provider throws the abort's reason: nothing was generated.
        if (!signal.aborted) throw error;
        result = { text: '', promptTokens: 0, completionTokens: 0, stopReason: 'abort' };
      }
      if (!signal.aborted) return { result, text: await stream.close(), stopped: undefined };
      // Stopped: nothing more is written; what was written is the stream's text.
      const reason: unknown = signal.reason;
      const stopped = reason instanceof Error ? reason : new Error('generation stopped');
      return { result, text: await stream.abandon(), stopped };
    },
    options.stop,
  );
  return { ...value, startedAt, endedAt: new Date(), firstTokenSeconds, leaseLost };
}

/**
 * The model call's span, by the OpenTelemetry GenAI conventions (`chat <model>`, a CLIENT span): the request's
 * model and sampling, then the provider's token counts and why it stopped.
 */
export function chatSpan(
  profile: Pick<ModelProfileEntity, 'provider' | 'model' | 'temperature' | 'topP'>,
  maxTokens: number,
  generate: () => Promise<GenerationOutcome>,
): Promise<GenerationOutcome> {
  return inSpan(
    `chat ${profile.model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': profile.provider === 'openai' ? 'openai' : 'llama_cpp',
        'gen_ai.request.model': profile.model,
        'gen_ai.request.max_tokens': maxTokens,
        'gen_ai.request.temperature': profile.temperature,
        'gen_ai.request.top_p': profile.topP,
      },
    },
    async (span) => {
      const outcome = await generate();
      span.setAttributes({
        'gen_ai.response.model': profile.model,
        'gen_ai.usage.input_tokens': outcome.result.promptTokens,
        'gen_ai.usage.output_tokens': outcome.result.completionTokens,
        'gen_ai.response.finish_reasons': [outcome.result.stopReason],
      });
      if (outcome.firstTokenSeconds !== null)
        span.setAttribute('soma.time_to_first_token_s', outcome.firstTokenSeconds);
      if (outcome.stopped) span.addEvent('stopped', { 'soma.reason': outcome.stopped.message });
      return outcome;
    },
  );
}
