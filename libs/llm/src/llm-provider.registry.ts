import { Injectable } from '@nestjs/common';
import { type ModelProfileEntity } from '#soma/persistence';
import { LocalLlamaProvider } from './local-llama.provider.js';
import { type LlmProvider } from './llm.provider.js';
import { OpenAiCompatibleProvider } from './openai-compatible.provider.js';

/** The provider a model profile asks for; HTTP providers are rebuilt when the profile changes. */
@Injectable()
export class LlmProviderRegistry {
  private readonly remote = new Map<string, { version: number; provider: OpenAiCompatibleProvider }>();

  constructor(private readonly local: LocalLlamaProvider) {}

  forProfile(profile: ModelProfileEntity): LlmProvider {
    switch (profile.provider) {
      case 'local':
        return this.local;
      case 'openai': {
        const version = profile.updatedAt.getTime();
        const cached = this.remote.get(profile.id);
        if (cached?.version === version) return cached.provider;
        const provider = new OpenAiCompatibleProvider(profile);
        this.remote.set(profile.id, { version, provider });
        return provider;
      }
    }
  }
}
