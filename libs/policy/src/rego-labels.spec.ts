import { INTENTS, SENTIMENTS, TAGS, UNCLASSIFIED_REASONS } from '#soma/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const POLICY = join(import.meta.dirname, '..', '..', '..', 'opa', 'rego', 'soma', 'tools', 'policy.rego');

/** What a rule may compare the classification context with: the classifier's labels and PolicyContext's words. */
const KNOWN = new Set<string>([
  ...INTENTS,
  ...SENTIMENTS,
  ...TAGS,
  ...UNCLASSIFIED_REASONS,
  'MISSING',
  'classified',
  'unavailable',
]);

const literals = (text: string): string[] =>
  [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');

/**
 * The string literals policy.rego tests the classification context against: in every rule that reads
 * `input.context` (its head, messages and facts about the call itself left out), and in every named set those
 * rules use (`sensitive_tags := {...}`).
 */
export function contextLabels(rego: string): string[] {
  const blocks = rego.replace(/#.*$/gm, '').split(/\n(?=\S)/);
  const sets = new Map<string, string>();
  for (const block of blocks) {
    const named = /^([a-z_][a-z0-9_]*)\s*:=\s*(\{[\s\S]*?\}|\[[\s\S]*?\])\s*$/.exec(block.trim());
    if (named?.[1] && named[2]) sets.set(named[1], named[2]);
  }
  const found: string[] = [];
  for (const block of blocks) {
    if (!block.includes('input.context')) continue;
    // The head (rule id, message) is not a test of the context: keep what follows its `if`.
    const ifAt = block.indexOf(' if ');
    const body = (ifAt >= 0 ? block.slice(ifAt + 4) : block)
      .split('\n')
      .filter((line) => !/sprintf|input\.(tool|requested_by|principal|risk|arguments|resource)\b/.test(line))
      .map((line) => line.replace(/object\.get\(([^,]+),\s*"[^"]*"/g, 'object.get($1'))
      .join('\n');
    found.push(...literals(body));
    for (const [name, value] of sets)
      if (new RegExp(`\\b${name}\\b`).test(body)) found.push(...literals(value));
  }
  return [...new Set(found)];
}

describe('policy.rego and the SLM classifier agree on labels', () => {
  it('names no tag, intent or sentiment the classifier cannot produce', () => {
    const used = contextLabels(readFileSync(POLICY, 'utf8'));
    // Not vacuous: the sensitive-memory rule's tags are found.
    expect(used).toEqual(expect.arrayContaining(['privacy', 'security', 'classified']));
    expect(used.filter((label) => !KNOWN.has(label))).toEqual([]);
  });

  it('catches a rule that tests for a label the classifier does not have', () => {
    const rego = `
deny contains {"id": "x.y", "reason": "r"} if {
	input.tool == "memory.write"
	some tag in input.context.tags
	tag in {"pii", "privacy"}
}

odd_intents := {"rant"}

approval contains {"id": "x.z", "reason": msg} if {
	input.context.intent in odd_intents
	msg := sprintf("%s", ["anything"])
}
`;
    expect(contextLabels(rego).filter((label) => !KNOWN.has(label))).toEqual(['pii', 'rant']);
  });
});
