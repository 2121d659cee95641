export type IdentityErrorCode =
  | 'API_KEY_MISSING'
  | 'API_KEY_INVALID'
  | 'ADMIN_ROLE_REQUIRED'
  | 'API_KEY_NOT_FOUND'
  | 'OPERATOR_REQUIRED'
  | 'TENANT_NAME_TAKEN'
  /** Revoking it would leave its tenant without an active admin key (docs/audit.md: recovery). */
  | 'API_KEY_LAST_ADMIN';

/** Errors of the identity context; transports map the code once (HTTP, socket). */
export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
  }
}
