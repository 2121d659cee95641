import { type Intent, type SentimentLabel, type Tag, type UnclassifiedReason } from '#soma/contracts';

// The label sets live in contracts (policy must agree with them); re-exported for the classifier's users.
export {
  INTENTS,
  SENTIMENTS,
  TAGS,
  UNCLASSIFIED_REASONS,
  type Intent,
  type SentimentLabel,
  type Tag,
  type UnclassifiedReason,
} from '#soma/contracts';

export interface MessageClassified {
  status: 'classified';
  intent: Intent;
  /** `score` is the polarity p(positive) − p(negative), in [-1, 1]. */
  sentiment: { label: SentimentLabel; score: number };
  tags: Tag[];
  /** The probability of the chosen intent, in [0, 1]. */
  confidence: number;
  durationMs: number;
  /** Which model and classifier produced it, e.g. `SmolLM2-135M-Instruct.Q4_1.gguf+linear/2f1c…`. */
  model: string;
}

export interface MessageUnclassified {
  status: 'unclassified';
  reason: UnclassifiedReason;
  durationMs: number;
}

/** What preprocessing says about one user message; it never throws, it says why it could not classify. */
export type MessageClassification = MessageClassified | MessageUnclassified;

/** One line of `data/slm/labeled-messages.jsonl`. */
export interface LabeledMessage {
  id: string;
  text: string;
  intent: Intent;
  sentiment: SentimentLabel;
  tags: Tag[];
  split: 'train' | 'test';
}
