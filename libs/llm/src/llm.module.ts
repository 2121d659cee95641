import { Module } from '@nestjs/common';
import { LlmProviderRegistry } from './llm-provider.registry.js';
import { ContextTokenizer } from './llm.provider.js';
import { LocalLlamaProvider } from './local-llama.provider.js';

/** Model runtimes: the local GGUF provider (the default, no API key needed) and OpenAI-compatible HTTP APIs. */
@Module({
  providers: [
    LocalLlamaProvider,
    LlmProviderRegistry,
    { provide: ContextTokenizer, useExisting: LocalLlamaProvider },
  ],
  exports: [LlmProviderRegistry, ContextTokenizer, LocalLlamaProvider],
})
export class LlmModule {}
