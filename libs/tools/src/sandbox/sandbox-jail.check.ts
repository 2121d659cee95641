import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '#soma/platform';
import { SandboxRunner } from './sandbox.runner.js';

/**
 * The tool executor checks its jail before it consumes anything: in enforcing mode a missing part stops the boot
 * (SandboxJailError names it); in degraded mode readiness shows `sandbox-jail` with what is missing.
 */
@Injectable()
export class SandboxJailCheck implements OnModuleInit {
  constructor(
    private readonly sandbox: SandboxRunner,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const status = await this.sandbox.verify();
    // Degraded stays ready (the operator chose it) but says so in the check's name on every /health/ready.
    const name =
      status.missing.length === 0
        ? `sandbox-jail (${status.cgroup ?? 'no'} cgroup, uid pool, seccomp)`
        : `sandbox-jail DEGRADED: ${status.missing.join('; ')}`;
    this.health.register(name, () => Promise.resolve());
  }
}
