/** Small helpers for human-readable output; `--json` output is JSON.stringify of the API's own shapes. */
export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export const oneLine = (text: string, max = 80): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export const usageOf = (usage: { promptTokens: number; completionTokens: number } | null): string =>
  usage ? `${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens` : 'no usage';

export const decisionsOf = (decisions: { outcome: string; ruleIds: string[] }[]): string =>
  decisions.length === 0
    ? 'no decision'
    : decisions.map((d) => `${d.outcome}${d.ruleIds.length ? ` [${d.ruleIds.join(', ')}]` : ''}`).join(' → ');
