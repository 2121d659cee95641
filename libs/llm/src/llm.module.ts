import { Module } from '@nestjs/common';
import { LlmProvider } from './llm.provider.js';
import { LocalLlamaProvider } from './local-llama.provider.js';

/** The model runtime; the local GGUF provider is the default so the platform needs no API key. */
@Module({
  providers: [LocalLlamaProvider, { provide: LlmProvider, useExisting: LocalLlamaProvider }],
  exports: [LlmProvider],
})
export class LlmModule {}
