export * from './identity.errors.js';
export * from './api-key.contract.js';
export * from './principal.contract.js';
export * from './bootstrap-admin.command.js';
export * from './queries/resolve-api-key/resolve-api-key.query.js';
export * from './commands/create-tenant/create-tenant.command.js';
export * from './identity.module.js';
