/** Why a tool call ended in an error result, or why a request was refused (HTTP maps these once). */
export type ToolErrorCode =
  | 'UNKNOWN_TOOL'
  | 'INVALID_ARGUMENTS'
  | 'TOOL_TIMEOUT'
  | 'TOOL_FAILED'
  | 'SANDBOX_BUSY'
  | 'OUTPUT_TOO_LARGE'
  | 'FETCH_FAILED'
  /** http.fetch's own checks refused the address, port or scheme (whatever policy said). */
  | 'EGRESS_REFUSED'
  | 'SEARCH_FAILED'
  | 'TOOL_INTERRUPTED'
  | 'TOOL_CANCELLED'
  /** The tenant's daily tool seconds are used up (HTTP 429). */
  | 'BUDGET_EXCEEDED'
  | 'GRANT_INVALID'
  | 'REPLAY_NOT_RECORDED'
  | 'TENANT_NOT_FOUND'
  | 'POLICY_UNAVAILABLE'
  | 'SESSION_NOT_FOUND';

/** Errors of the tools context: a code, a message safe to show, and safe metadata. */
export class ToolError extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
