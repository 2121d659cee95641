import { Command } from '@nestjs/cqrs';
import { type AuditActor, type ModelProfileEntity, type ModelProvider } from '#soma/persistence';

export interface ModelProfileFields {
  name: string;
  provider: ModelProvider;
  model: string;
  baseUrl: string | null;
  apiKeyEnv: string | null;
  temperature: number;
  topP: number;
  maxTokens: number | null;
  contextWindow: number | null;
  systemPrompt: string | null;
  inputCostPer1k: number;
  outputCostPer1k: number;
  tools: string[];
  toolChoice: 'auto' | 'required';
  isDefault: boolean;
}

/** Creates a profile (id null) or changes some fields of one; audited in the platform's chain. */
export class SaveModelProfileCommand extends Command<ModelProfileEntity> {
  constructor(
    readonly id: string | null,
    readonly fields: Partial<ModelProfileFields>,
    readonly actor: AuditActor,
  ) {
    super();
  }
}
