/**
 * Runs work while renewing the turn's lease every third of its length; when a renewal finds the lease gone
 * (another run took the turn over, or the watchdog ended it) the work's signal aborts and `leaseLost` says so.
 * A failed renewal (the database is down) is not a loss: the lease may still be ours when it is back.
 * The work's signal also follows `stop` (the run's own signal: a cancel), with its reason.
 */
export async function holdingLease<T>(
  leaseMs: number,
  renewLease: () => Promise<boolean>,
  work: (signal: AbortSignal, abort: (reason: unknown) => void) => Promise<T>,
  stop?: AbortSignal,
): Promise<{ value: T; leaseLost: boolean }> {
  const controller = new AbortController();
  let leaseLost = false;
  const renew = setInterval(
    () => {
      renewLease()
        .then((held) => {
          if (!held) {
            leaseLost = true;
            controller.abort(new Error('turn lease lost'));
          }
        })
        .catch(() => undefined);
    },
    Math.max(500, Math.floor(leaseMs / 3)),
  );
  const onStop = (): void => {
    controller.abort(stop?.reason);
  };
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  try {
    const value = await work(controller.signal, (reason) => {
      controller.abort(reason);
    });
    return { value, leaseLost };
  } finally {
    clearInterval(renew);
    stop?.removeEventListener('abort', onStop);
  }
}
