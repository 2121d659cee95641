import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<void>;

/** Dependencies register a readiness check; /health/ready runs them all. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const results: Record<string, string> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => {
                reject(new Error(`timed out after ${timeoutMs} ms`));
              }, timeoutMs);
            }),
          ]);
          results[name] = 'ok';
        } catch (error) {
          results[name] = `failed: ${(error as Error).message}`;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: Object.values(results).every((result) => result === 'ok'), checks: results };
  }
}
