/**
 * PostgreSQL cannot store a NUL character in text or jsonb, nor (in UTF-8) a lone UTF-16 surrogate: such input
 * must be refused as a client error before it reaches the database. One walk over any JSON-like value, naming
 * every field (keys included) that holds one.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** Dotted paths (`parts.0.text`) of the strings in `value` that PostgreSQL cannot store; `root` names the top. */
export function unstorableTextFields(value: unknown, root = ''): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string, depth: number): void => {
    if (typeof node === 'string') {
      if (!isStorableText(node)) found.push(path || '(payload)');
      return;
    }
    if (node === null || typeof node !== 'object' || depth > 64) return;
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      if (!isStorableText(key)) found.push(childPath);
      walk(child, childPath, depth + 1);
    }
  };
  walk(value, root, 0);
  return found;
}
