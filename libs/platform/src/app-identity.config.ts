/** Which app this process is; set once by the bootstrap. */
export class AppIdentity {
  constructor(
    readonly name: string,
    readonly instanceId: string,
  ) {}
}
