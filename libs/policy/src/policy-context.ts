import { INTENTS, SENTIMENTS, TAGS, UNCLASSIFIED_REASONS } from '#soma/contracts';
import { type PolicyContext } from './policy-input.contract.js';

const intents = new Set<string>(INTENTS);
const sentiments = new Set<string>(SENTIMENTS);
const tags = new Set<string>(TAGS);
const reasons = new Set<string>(UNCLASSIFIED_REASONS);

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function classified(intent: unknown, sentiment: unknown, rawTags: unknown): PolicyContext | undefined {
  if (typeof intent !== 'string' || !intents.has(intent)) return undefined;
  if (typeof sentiment !== 'string' || !sentiments.has(sentiment)) return undefined;
  if (!Array.isArray(rawTags) || !rawTags.every((tag) => typeof tag === 'string' && tags.has(tag)))
    return undefined;
  return {
    classification: 'classified',
    intent: intent as Extract<PolicyContext, { classification: 'classified' }>['intent'],
    sentiment: sentiment as Extract<PolicyContext, { classification: 'classified' }>['sentiment'],
    tags: rawTags as Extract<PolicyContext, { classification: 'classified' }>['tags'],
  };
}

const unavailable = (reason: unknown): PolicyContext => ({
  classification: 'unavailable',
  reason:
    typeof reason === 'string' && reasons.has(reason)
      ? (reason as (typeof UNCLASSIFIED_REASONS)[number])
      : 'MISSING',
});

/**
 * The policy context of a call, from what its producer had: a stored MessageClassification (`status`), a context
 * already in this shape (`classification`, as tool.requests carries it), or nothing. Anything that is not a
 * classification in the classifier's label sets is `unavailable`: policy never sees a tag the classifier
 * cannot produce, and never mistakes a missing classification for a harmless one.
 */
export function policyContextOf(raw: unknown): PolicyContext {
  if (!isRecord(raw)) return unavailable(undefined);
  if (raw.classification === 'classified')
    return classified(raw.intent, raw.sentiment, raw.tags) ?? unavailable('ERROR');
  if (raw.classification === 'unavailable') return unavailable(raw.reason);
  if (raw.status === 'classified') {
    const sentiment = isRecord(raw.sentiment) ? raw.sentiment.label : undefined;
    return classified(raw.intent, sentiment, raw.tags) ?? unavailable('ERROR');
  }
  if (raw.status === 'unclassified') return unavailable(raw.reason);
  return unavailable(undefined);
}
