import { describe, expect, it } from 'vitest';
import { FairScheduler, type Release } from './fair-scheduler.js';

/** Starts an item that holds its slot until `finish` is called; records when it started. */
function holder(scheduler: FairScheduler, tenant: string, log: string[], name: string) {
  let finish: () => void = () => undefined;
  const done = scheduler.run(tenant, () => {
    log.push(name);
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  });
  return {
    done,
    finish: () => {
      finish();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FairScheduler', () => {
  it('never runs more than `slots` at once, nor more than `perTenant` for one tenant', async () => {
    const scheduler = new FairScheduler({ slots: 3, perTenant: 2 });
    const log: string[] = [];
    const items = ['a1', 'a2', 'a3', 'b1', 'b2'].map((name) => holder(scheduler, name[0] ?? '', log, name));
    await tick();
    expect(log).toEqual(['a1', 'a2', 'b1']);
    expect(scheduler.snapshot()).toMatchObject({ running: 3, waiting: 2 });
    items[0]?.finish();
    await tick();
    // a is at its limit again after a3 would start; the freed slot goes to the next tenant in turn.
    expect(log).toEqual(['a1', 'a2', 'b1', 'a3']);
    items[3]?.finish();
    await tick();
    expect(log).toEqual(['a1', 'a2', 'b1', 'a3', 'b2']);
    for (const item of items) item.finish();
    await Promise.all(items.map((item) => item.done));
    expect(scheduler.snapshot()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('serves waiting tenants in turn: a flood of one tenant does not hold back another', async () => {
    const scheduler = new FairScheduler({ slots: 1, perTenant: 1 });
    const log: string[] = [];
    const flood = Array.from({ length: 5 }, (_, i) => holder(scheduler, 'a', log, `a${i}`));
    const other = holder(scheduler, 'b', log, 'b0');
    await tick();
    expect(log).toEqual(['a0']);
    flood[0]?.finish();
    await tick();
    expect(log).toEqual(['a0', 'b0']);
    other.finish();
    await tick();
    expect(log).toEqual(['a0', 'b0', 'a1']);
    for (const item of flood) item.finish();
    for (let i = 0; i < 5; i++) {
      await tick();
      for (const item of flood) item.finish();
    }
    await Promise.all(flood.map((item) => item.done));
  });

  it('drops a waiter whose signal aborts, and releases a slot once even if released twice', async () => {
    const scheduler = new FairScheduler({ slots: 1, perTenant: 1 });
    const first: Release = await scheduler.acquire('a');
    const controller = new AbortController();
    const waiting = scheduler.acquire('b', controller.signal);
    controller.abort(new Error('withdrawn'));
    await expect(waiting).rejects.toThrow('withdrawn');
    expect(scheduler.snapshot().waiting).toBe(0);
    first();
    first();
    expect(scheduler.snapshot().running).toBe(0);
    const again = await scheduler.acquire('c');
    expect(scheduler.snapshot().running).toBe(1);
    again();
  });

  it('refuses a per-tenant limit above the slots', () => {
    expect(() => new FairScheduler({ slots: 2, perTenant: 3 })).toThrow(/perTenant/);
  });
});
