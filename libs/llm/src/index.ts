export * from './llm.provider.js';
export * from './local-llama.provider.js';
export * from './openai-compatible.provider.js';
export * from './llm-provider.registry.js';
export * from './llm.module.js';
