/** What the benchmarks that drive the running platform or the bare model share. */
import { ApiClient } from '#soma/client';
import { loadConfig, type SomaConfigValues } from '#soma/platform';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LlamaChat } from 'node-llama-cpp';

/** The p-th percentile (nearest rank) of unsorted values. */
export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** The running platform's gateway as an admin: SOMA_ADMIN_API_KEY, else the key provisioning wrote. */
export function platformApi(): { api: ApiClient; baseUrl: string; key: string | undefined } {
  const config = loadConfig();
  const keyFile = join(process.env.SOMA_STATE_DIR ?? '.soma', 'admin-api-key');
  const key = config.adminApiKey ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  const baseUrl = process.env.SOMA_BENCH_URL ?? `http://127.0.0.1:${config.gatewayPort}`;
  return { api: new ApiClient(baseUrl, key), baseUrl, key };
}

/**
 * One reply of the bare model to a prompt under the platform's system prompt, token limit and a fixed
 * temperature; `onFirst` at its first text, and the number of tokens it generated.
 */
export async function bareReply(
  chat: LlamaChat,
  config: Pick<SomaConfigValues, 'systemPrompt' | 'llmMaxTokens'>,
  prompt: string,
  onFirst: () => void,
): Promise<number> {
  let tokens = 0;
  let first = true;
  await chat.generateResponse(
    [
      { type: 'system', text: config.systemPrompt },
      { type: 'user', text: prompt },
      { type: 'model', response: [] },
    ],
    {
      maxTokens: config.llmMaxTokens,
      temperature: 0.7,
      onTextChunk: () => {
        if (first) onFirst();
        first = false;
      },
      onToken: (t) => {
        tokens += t.length;
      },
    },
  );
  return tokens;
}
