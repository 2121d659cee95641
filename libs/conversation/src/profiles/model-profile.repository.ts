import { isUuid } from '#soma/contracts';
import { Injectable } from '@nestjs/common';
import { ModelProfileEntity } from '#soma/persistence';
import { SomaConfig } from '#soma/platform';
import { DataSource } from 'typeorm';
import { ConversationError } from '../conversation.errors.js';

/** A profile with the deployment defaults filled in where it leaves them open. */
export interface EffectiveProfile {
  profile: ModelProfileEntity;
  maxTokens: number;
  contextWindow: number;
  systemPrompt: string;
}

@Injectable()
export class ModelProfileRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: SomaConfig,
  ) {}

  /** By id or by name; the default profile when none is asked for. */
  async find(idOrName: string | null | undefined): Promise<ModelProfileEntity> {
    const repository = this.dataSource.getRepository(ModelProfileEntity);
    const profile = !idOrName
      ? await repository.findOneBy({ isDefault: true })
      : await repository.findOneBy(isUuid(idOrName) ? { id: idOrName } : { name: idOrName });
    if (!profile)
      throw new ConversationError(
        'MODEL_PROFILE_NOT_FOUND',
        `model profile ${idOrName ?? '(default)'} not found`,
      );
    return profile;
  }

  effective(profile: ModelProfileEntity): EffectiveProfile {
    return {
      profile,
      maxTokens: profile.maxTokens ?? this.config.llmMaxTokens,
      contextWindow: profile.contextWindow ?? this.config.llmContextSize,
      systemPrompt: profile.systemPrompt ?? this.config.systemPrompt,
    };
  }
}
