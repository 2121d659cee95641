export * from './cli.contract.js';
export * from './cli.errors.js';
export * from './run-cli.js';
export type { ReplayDiff, TurnDiff, TurnSide } from './commands/replay/replay-diff.js';
