import { Module } from '@nestjs/common';
import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { MessageClassifier, SLM_DURATION_BUCKETS, SLM_DURATION_METRIC } from './message.classifier.js';
import { SlmEmbeddingProvider } from './slm-embedding.provider.js';

/** SLM preprocessing of user messages: intent, sentiment and tags from the local model, within a budget. */
@Module({
  providers: [
    SlmEmbeddingProvider,
    MessageClassifier,
    makeHistogramProvider({
      name: SLM_DURATION_METRIC,
      help: 'Time to classify a user message (queue wait included), by outcome',
      labelNames: ['outcome'],
      buckets: SLM_DURATION_BUCKETS,
    }),
  ],
  exports: [MessageClassifier],
})
export class PreprocessingModule {}
