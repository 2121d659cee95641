export * from './api.client.js';
export * from './api.contract.js';
export * from './api.errors.js';
export * from './pages.js';
export * from './session-events.client.js';
export * from './soma-api.client.js';
export * from './sse.client.js';
export * from './sse.parser.js';
