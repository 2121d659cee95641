import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTENTS, SENTIMENTS, TAGS, type LabeledMessage } from '#soma/preprocessing';

export const LABELED_SET_PATH = join(process.cwd(), 'data', 'slm', 'labeled-messages.jsonl');

/** Reads the labeled set, refusing any line whose labels are outside the closed sets. */
export function readLabeledSet(path = LABELED_SET_PATH): LabeledMessage[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.map((line, index) => {
    const row = JSON.parse(line) as LabeledMessage;
    const ok =
      typeof row.text === 'string' &&
      (INTENTS as readonly string[]).includes(row.intent) &&
      (SENTIMENTS as readonly string[]).includes(row.sentiment) &&
      Array.isArray(row.tags) &&
      row.tags.every((tag) => (TAGS as readonly string[]).includes(tag)) &&
      (row.split === 'train' || row.split === 'test');
    if (!ok) throw new Error(`${path}:${index + 1}: labels outside the closed sets: ${line}`);
    return row;
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
