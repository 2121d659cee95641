/** One engine's health as seen from here: reachable and healthy, how long it took, or why not. */
export interface EngineHealth {
  healthy: boolean;
  latencyMs: number;
  error: string | null;
}

export interface PolicyEnginesHealth {
  opa: EngineHealth;
  openfga: EngineHealth;
}

/** Asks OPA (`/health`) and OpenFGA (`/healthz`) whether they serve, in parallel, within a timeout. */
export class PolicyEnginesProbe {
  constructor(
    private readonly opaUrl: string,
    private readonly fgaUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async check(): Promise<PolicyEnginesHealth> {
    const [opa, openfga] = await Promise.all([
      this.probe(new URL('/health', this.opaUrl)),
      this.probe(new URL('/healthz', this.fgaUrl)),
    ]);
    return { opa, openfga };
  }

  private async probe(url: URL): Promise<EngineHealth> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      await response.arrayBuffer();
      return response.ok
        ? { healthy: true, latencyMs: elapsed(), error: null }
        : { healthy: false, latencyMs: elapsed(), error: `HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message;
      return { healthy: false, latencyMs: elapsed(), error: cause ?? (error as Error).message };
    }
  }
}
