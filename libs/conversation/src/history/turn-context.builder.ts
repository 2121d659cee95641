import { Injectable } from '@nestjs/common';
import { ContextTokenizer, type ChatMessage } from '#soma/llm';
import { MessageEntity } from '#soma/persistence';
import { MessageClassifier, type MessageClassification } from '#soma/preprocessing';
import { DataSource } from 'typeorm';
import { type TurnEntity } from '#soma/persistence';
import { createHash } from 'node:crypto';
import { ModelProfileRepository, type EffectiveProfile } from '../profiles/model-profile.repository.js';
import { TurnRepository } from '../turns/turn.repository.js';
import { fitContextWindow, type FittedContext } from './context-window.js';
import { HistoryRepository } from './history.repository.js';

/** A turn started by a tool result has no user message to classify. */
const UNCLASSIFIED_TOOL_TURN: MessageClassification = {
  status: 'unclassified',
  reason: 'ERROR',
  durationMs: 0,
};

/** The user message a turn answers, as the inbound command carried it. */
export interface PostedMessage {
  id: string;
  content: string;
}

export interface TurnContext {
  profile: EffectiveProfile;
  fitted: FittedContext;
  /** This turn's own messages so far, for the history cache once the turn is finished. */
  current: ChatMessage[];
  /** Intent, sentiment and tags of that message (or why it is unclassified); policy sees it. */
  classification: MessageClassification;
}

/**
 * The model's context for a turn: the system prompt and the whole session (an assistant reply is always in the
 * next turn's context), fitted to the profile's window with the model's tokenizer, and recorded on the turn.
 */
@Injectable()
export class TurnContextBuilder {
  constructor(
    private readonly turns: TurnRepository,
    private readonly history: HistoryRepository,
    private readonly profiles: ModelProfileRepository,
    private readonly tokenizer: ContextTokenizer,
    private readonly classifier: MessageClassifier,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * `posted` is the user message as the command carried it: a turn just claimed has no other message yet, so
   * nothing of its own is read back (a resumed or continued turn reads its messages).
   */
  async build(
    turn: TurnEntity,
    sessionProfileId: string | null,
    posted?: PostedMessage,
  ): Promise<TurnContext> {
    const fresh = posted !== undefined && posted.id === turn.userMessageId;
    const [profile, own, previous] = await Promise.all([
      this.profiles.find(sessionProfileId).then((p) => this.profiles.effective(p)),
      fresh
        ? [{ id: posted.id, role: 'user' as const, content: posted.content, classification: null }]
        : this.turns.messagesOf(turn),
      this.history.before(turn),
    ]);
    const userMessage = own.find((m) => m.role === 'user');
    const classification = userMessage ? await this.classifyOnce(userMessage) : UNCLASSIFIED_TOOL_TURN;
    const current = own.map((m): ChatMessage => ({ role: m.role, content: m.content }));
    const fitted = fitContextWindow(
      { role: 'system', content: profile.systemPrompt },
      [...previous, current],
      Math.max(1, profile.contextWindow - profile.maxTokens),
      (messages) => this.tokenizer.countContextTokens(messages),
    );
    const digest = createHash('sha256').update(JSON.stringify(fitted.messages)).digest('hex');
    await this.turns.recordContext(turn.id, profile.profile.id, fitted, digest);
    return { profile, fitted, current, classification };
  }

  /** Classifies the user message and stores the result on it (a redelivered turn reuses the stored one). */
  private async classifyOnce(
    message: Pick<MessageEntity, 'id' | 'content' | 'classification'>,
  ): Promise<MessageClassification> {
    if (message.classification) return message.classification as unknown as MessageClassification;
    const classification = await this.classifier.classify(message.content);
    await this.dataSource.query('UPDATE messages SET classification = $2 WHERE id = $1', [
      message.id,
      JSON.stringify(classification),
    ]);
    return classification;
  }
}
