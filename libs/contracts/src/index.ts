export * from './topics.contract.js';
export * from './envelope.contract.js';
export * from './conversation.contract.js';
export * from './tool.contract.js';
export * from './audit.contract.js';
export * from './registry.contract.js';
export * from './envelope-codec.contract.js';
