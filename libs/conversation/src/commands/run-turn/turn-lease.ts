/**
 * Runs work while renewing the turn's lease every third of its length; when a renewal finds the lease gone
 * (the watchdog has already ended the turn) the work's signal aborts and `leaseLost` says so.
 */
export async function holdingLease<T>(
  leaseMs: number,
  renewLease: () => Promise<boolean>,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; leaseLost: boolean }> {
  const abort = new AbortController();
  let leaseLost = false;
  const renew = setInterval(
    () => {
      renewLease()
        .then((held) => {
          if (!held) {
            leaseLost = true;
            abort.abort(new Error('turn lease lost'));
          }
        })
        .catch(() => undefined);
    },
    Math.max(500, Math.floor(leaseMs / 3)),
  );
  try {
    const value = await work(abort.signal);
    return { value, leaseLost };
  } finally {
    clearInterval(renew);
  }
}
