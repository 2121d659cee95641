export * from './classification.contract.js';
export * from './classifier-weights.contract.js';
export * from './linear.classifier.js';
export * from './message.classifier.js';
export * from './preprocessing.errors.js';
export * from './preprocessing.module.js';
export * from './slm-embedding.provider.js';
