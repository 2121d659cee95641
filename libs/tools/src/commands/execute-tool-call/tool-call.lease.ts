import { type AppIdentity, type SomaConfig } from '#soma/platform';

/** An executor's hold on the calls it runs: its instance id, and how long a claim outlives its last renewal. */
export interface ToolCallClaim {
  owner: string;
  leaseMs: number;
}

/**
 * The lease is the Kafka session timeout: a dead executor's requests reach another one only after that long,
 * so a lease as long lapses about when the redelivery arrives (ending the call costs no extra wait), and it
 * survives the same pauses that group membership does. A constant would drift from that knob.
 */
export function toolCallClaim(identity: AppIdentity, config: SomaConfig): ToolCallClaim {
  return { owner: identity.instanceId, leaseMs: config.kafkaSessionTimeoutMs };
}

/**
 * Runs `work` while renewing a lease every third of its length, so two renewals may fail before it lapses.
 * Renewals never overlap and stop with the work; `renew` must not throw (it reports its own failures).
 */
export async function holdingLease<T>(
  leaseMs: number,
  renew: () => Promise<void>,
  work: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const schedule = (): void => {
    timer = setTimeout(() => {
      void renew().finally(() => {
        if (!done) schedule();
      });
    }, leaseMs / 3);
  };
  schedule();
  try {
    return await work();
  } finally {
    done = true;
    clearTimeout(timer);
  }
}
