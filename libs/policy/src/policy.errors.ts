export type PolicyErrorCode =
  | 'ENGINE_UNAVAILABLE'
  | 'ENGINE_BAD_RESPONSE'
  | 'FGA_STORE_NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'TENANT_POLICY_INVALID';

export interface PolicyFieldError {
  field: string;
  errors: string[];
}

/**
 * Errors of the policy context. The gate never throws the engine ones: it turns them into fail-closed
 * decisions. The tenant ones answer the tenant policy settings API (HTTP maps them in the gateway's filter).
 */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
    /** Which input fields were wrong, for 400s. */
    readonly fields: readonly PolicyFieldError[] = [],
  ) {
    super(message);
  }
}
