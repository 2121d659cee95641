export * from './api.client.js';
export * from './sse.client.js';
