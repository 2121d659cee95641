/**
 * The closed label sets of SLM preprocessing: what a user message is for, how it feels, what it is about. Here, in
 * contracts, because two sides must agree on them: the classifier (libs/preprocessing) produces only these, and
 * policy (libs/policy, opa/rego) may only test for these (a unit test checks policy.rego against them).
 */
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

/** Why a message has no classification. */
export const UNCLASSIFIED_REASONS = ['TIMEOUT', 'OVERLOADED', 'ERROR'] as const;
export type UnclassifiedReason = (typeof UNCLASSIFIED_REASONS)[number];
