/** In-process: the gateway ends the streams opened with this key. */
export class ApiKeyRevokedEvent {
  constructor(
    readonly tenantId: string,
    readonly keyId: string,
  ) {}
}
