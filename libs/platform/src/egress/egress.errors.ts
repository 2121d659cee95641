/** Why an outbound request was not made (each transport maps these once). */
export type EgressErrorCode = 'EGRESS_URL_INVALID' | 'EGRESS_UNRESOLVABLE' | 'EGRESS_ADDRESS_REFUSED';

/** Errors of the egress guard: a code, a message safe to show, and safe metadata (host, address, reason). */
export class EgressError extends Error {
  constructor(
    readonly code: EgressErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
