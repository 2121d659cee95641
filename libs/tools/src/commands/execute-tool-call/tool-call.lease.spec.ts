import { describe, expect, it } from 'vitest';
import { holdingLease } from './tool-call.lease.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('holdingLease', () => {
  it('renews while the work runs, one renewal at a time, and stops with the work', async () => {
    let renewals = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const renew = async () => {
      renewals++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(40); // slower than the renewal period: the next waits for it
      inFlight--;
    };
    const value = await holdingLease(60, renew, async () => {
      await sleep(400);
      return 'done';
    });
    expect(value).toBe('done');
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(maxInFlight).toBe(1);
    const atEnd = renewals;
    await sleep(200);
    expect(renewals).toBe(atEnd);
  });

  it('stops renewing when the work fails, and passes the failure on', async () => {
    let renewals = 0;
    const failing = holdingLease(
      30,
      () => {
        renewals++;
        return Promise.resolve();
      },
      async () => {
        await sleep(50);
        throw new Error('tool failed');
      },
    );
    await expect(failing).rejects.toThrow('tool failed');
    const atEnd = renewals;
    await sleep(100);
    expect(renewals).toBe(atEnd);
  });
});
