export type PreprocessingErrorCode = 'WEIGHTS_INVALID' | 'WEIGHTS_MODEL_MISMATCH' | 'MODEL_NOT_LOADED';

/**
 * Errors of the preprocessing context. They stop boot (bad or mismatched weights) or become an `ERROR`
 * classification; none reaches a transport, so no transport maps them.
 */
export class PreprocessingError extends Error {
  constructor(
    readonly code: PreprocessingErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
