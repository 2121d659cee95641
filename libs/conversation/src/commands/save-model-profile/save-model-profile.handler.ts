import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isModelKeyEnv, MODEL_KEY_ENV_PREFIX } from '#soma/llm';
import { AuditRecorder, ModelProfileEntity, OutboxRelay, type StagedMessage } from '#soma/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { ConversationError } from '../../conversation.errors.js';
import { SaveModelProfileCommand, type ModelProfileFields } from './save-model-profile.command.js';

const defaults: Omit<ModelProfileFields, 'name' | 'provider' | 'model'> = {
  baseUrl: null,
  apiKeyEnv: null,
  temperature: 0.7,
  topP: 0.9,
  maxTokens: null,
  contextWindow: null,
  systemPrompt: null,
  inputCostPer1k: 0,
  outputCostPer1k: 0,
  tools: [],
  toolChoice: 'auto',
  isDefault: false,
};

/**
 * An HTTP provider needs somewhere to send requests; the local one needs nothing more. The key variable must be
 * one meant for model providers (never the platform's own secrets).
 */
function assertComplete(profile: ModelProfileFields): void {
  if (profile.provider === 'openai' && !profile.baseUrl) {
    throw new ConversationError('MODEL_PROFILE_INVALID', 'an openai provider needs baseUrl');
  }
  if (profile.apiKeyEnv && !isModelKeyEnv(profile.apiKeyEnv)) {
    throw new ConversationError(
      'MODEL_PROFILE_INVALID',
      `apiKeyEnv must name a variable starting with ${MODEL_KEY_ENV_PREFIX}`,
      { field: 'apiKeyEnv' },
    );
  }
}

@CommandHandler(SaveModelProfileCommand)
export class SaveModelProfileHandler implements ICommandHandler<SaveModelProfileCommand, ModelProfileEntity> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly outbox: OutboxRelay,
  ) {}

  async execute({ id, fields, actor }: SaveModelProfileCommand): Promise<ModelProfileEntity> {
    try {
      const { profile, staged } = await this.dataSource.transaction(async (manager) => {
        const existing = id ? await manager.findOneBy(ModelProfileEntity, { id }) : null;
        if (id && !existing)
          throw new ConversationError('MODEL_PROFILE_NOT_FOUND', `model profile ${id} not found`);
        const merged = Object.assign({}, defaults, existing, fields) as ModelProfileFields;
        if (!merged.name || !merged.provider || !merged.model) {
          throw new ConversationError('MODEL_PROFILE_INVALID', 'name, provider and model are required');
        }
        assertComplete(merged);
        if (existing?.isDefault && fields.isDefault === false) {
          throw new ConversationError('MODEL_PROFILE_INVALID', 'make another profile the default instead');
        }
        if (fields.isDefault)
          await manager.update(ModelProfileEntity, { isDefault: true }, { isDefault: false });
        const profileId = existing?.id ?? randomUUID();
        await manager.save(ModelProfileEntity, { ...merged, id: profileId });
        const audited = await this.audit.record(manager, actor, {
          action: existing ? 'model_profile.updated' : 'model_profile.created',
          subject: { type: 'model_profile', id: profileId },
          reason: `model profile "${merged.name}" ${existing ? 'changed' : 'created'}`,
          detail: { name: merged.name, fields },
          tenantId: null,
          sessionId: null,
        });
        const profile = await manager.findOneByOrFail(ModelProfileEntity, { id: profileId });
        return { profile, staged: [audited.staged] as StagedMessage[] };
      });
      await this.outbox.flush(staged);
      return profile;
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ConversationError(
          'MODEL_PROFILE_NAME_TAKEN',
          `a model profile named ${fields.name ?? ''} exists`,
        );
      }
      throw error;
    }
  }
}
