/**
 * The fault suite's table, from the rows the scenarios wrote to $SOMA_STATE_DIR/fault-results/*.json
 * (test/support/fault-report.ts).
 *   node dist/scripts/faults/fault-table.js clear   before a run: no stale row can show
 *   node dist/scripts/faults/fault-table.js print   after it; exits 1 when a result file is unreadable
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** One scenario's outcome; test/support/fault-report.ts writes it (type-only import there: this runs on load). */
export interface FaultRow {
  scenario: string;
  turns: number;
  completed: number;
  /** Turns that ended in turn.cancelled (the scenario cancelled them). */
  cancelled: number;
  /** Turns that ended in turn.failed, by error code. */
  failed: Record<string, number>;
  lostEvents: number;
  duplicateEvents: number;
  /** From the fault (or the service's return) until the last turn ended; null when the scenario has no outage. */
  recoveryMs: number | null;
}

// Compiled to dist/scripts/faults/: the repository root is three levels up.
const root = join(import.meta.dirname, '..', '..', '..');
const dir = join(process.env.SOMA_STATE_DIR ?? join(root, '.soma'), 'fault-results');

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isFaultRow(value: unknown): value is FaultRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  const failed = row.failed;
  return (
    typeof row.scenario === 'string' &&
    isCount(row.turns) &&
    isCount(row.completed) &&
    isCount(row.cancelled) &&
    typeof failed === 'object' &&
    failed !== null &&
    Object.values(failed).every(isCount) &&
    isCount(row.lostEvents) &&
    isCount(row.duplicateEvents) &&
    (row.recoveryMs === null || (typeof row.recoveryMs === 'number' && row.recoveryMs >= 0))
  );
}

function cells(row: FaultRow): string[] {
  const failed = Object.entries(row.failed)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}×${n}`);
  return [
    row.scenario,
    String(row.turns),
    String(row.completed),
    String(row.cancelled),
    failed.length > 0 ? failed.join(', ') : '-',
    String(row.lostEvents),
    String(row.duplicateEvents),
    row.recoveryMs === null ? '-' : (row.recoveryMs / 1000).toFixed(1),
  ];
}

function print(): number {
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
  const rows: FaultRow[] = [];
  let unreadable = 0;
  for (const name of files.sort()) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      if (!isFaultRow(parsed)) throw new Error('not a FaultRow');
      rows.push(parsed);
    } catch (error) {
      unreadable++;
      console.error(`fault table: ${join(dir, name)} is unreadable (${(error as Error).message})`);
    }
  }
  if (rows.length === 0) {
    console.log(`\nfault table: no scenario recorded a row (${dir})`);
    return unreadable > 0 ? 1 : 0;
  }
  const header = [
    'scenario',
    'turns',
    'completed',
    'cancelled',
    'failed (code×n)',
    'lost events',
    'duplicate events',
    'recovery (s)',
  ];
  const body = rows.map(cells);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((row) => (row[i] ?? '').length)),
  );
  // Text columns left, numbers right.
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join(' | ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
  for (const row of body) console.log(line(row));
  return unreadable > 0 ? 1 : 0;
}

const command = process.argv[2];
if (command === 'clear') {
  rmSync(dir, { recursive: true, force: true });
} else if (command === 'print') {
  process.exitCode = print();
} else {
  console.error('usage: fault-table.js clear|print');
  process.exitCode = 2;
}
