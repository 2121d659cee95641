/** The closed label sets of SLM preprocessing: what a user message is for, how it feels, what it is about. */
export const INTENTS = [
  'question',
  'task_request',
  'code_request',
  'tool_request',
  'small_talk',
  'complaint',
  'feedback',
  'other',
] as const;
export type Intent = (typeof INTENTS)[number];

export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type SentimentLabel = (typeof SENTIMENTS)[number];

export const TAGS = [
  'account',
  'api',
  'billing',
  'bug',
  'code',
  'data',
  'devops',
  'documents',
  'javascript',
  'math',
  'memory',
  'performance',
  'policy',
  'privacy',
  'python',
  'scheduling',
  'search',
  'security',
  'shell',
  'sql',
  'urgent',
  'web',
  'writing',
] as const;
export type Tag = (typeof TAGS)[number];

export type UnclassifiedReason = 'TIMEOUT' | 'OVERLOADED' | 'ERROR';

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
