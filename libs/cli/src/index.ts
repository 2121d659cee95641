export * from './cli.contract.js';
export * from './cli.errors.js';
export * from './run-cli.js';
