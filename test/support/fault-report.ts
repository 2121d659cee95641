/**
 * Results of the fault scenarios, one JSON file per scenario under $SOMA_STATE_DIR/fault-results/, which
 * `npm run faults` and scripts/test.sh print as a table (scripts/faults/fault-table.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultRow } from '../../scripts/faults/fault-table.js';
import { STATE_DIR } from './apps.js';

export type { FaultRow };

export const FAULT_RESULTS_DIR = join(STATE_DIR, 'fault-results');

/** Writes the scenario's row, replacing an earlier one: a scenario reports once per run. */
export function recordFaultRow(row: FaultRow): void {
  mkdirSync(FAULT_RESULTS_DIR, { recursive: true });
  const file = join(FAULT_RESULTS_DIR, `${row.scenario.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(row)}\n`);
}
