export * from './llm.provider.js';
export * from './local-llama.provider.js';
export * from './llm.module.js';
