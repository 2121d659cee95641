export type PolicyErrorCode = 'ENGINE_UNAVAILABLE' | 'ENGINE_BAD_RESPONSE' | 'FGA_STORE_NOT_FOUND';

/** Errors of the policy context. The gate never throws them: it turns them into fail-closed decisions. */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
