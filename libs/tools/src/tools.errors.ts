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
  | 'SESSION_NOT_FOUND'
  /** An MCP server could not be reached, or answered with an HTTP or transport error. */
  | 'MCP_UNAVAILABLE'
  /** An MCP server refused our credentials (HTTP 401/403, or the OAuth token endpoint refused them). */
  | 'MCP_UNAUTHORIZED'
  /** An MCP server did not answer within its timeout. */
  | 'MCP_TIMEOUT'
  /** An MCP server's answer does not match the MCP result schema, or is larger than the cap. */
  | 'MCP_RESULT_INVALID'
  /** Registration refused: a listed tool's schema is not JSON Schema, a name is unusable, or the listing is bad. */
  | 'MCP_SERVER_INVALID'
  | 'MCP_SERVER_NOT_FOUND'
  | 'MCP_SERVER_EXISTS';

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
