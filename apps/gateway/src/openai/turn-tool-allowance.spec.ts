import { describe, expect, it } from 'vitest';
import { toolAllowance } from './turn-tool-allowance.js';

const known = new Set(['code.execute', 'http.fetch', 'mcp.docs.echo']);
const registry = () => Promise.resolve(known);
const profile = { name: 'coder', tools: ['code.execute', 'mcp.docs.echo'] };
const turn = { tools: null, toolChoice: 'auto' as const };

describe('toolAllowance', () => {
  it('neither tools nor a choice: the profile decides (no allowance)', async () => {
    expect(await toolAllowance(turn, profile, registry)).toEqual({ ok: true, allowance: null });
    // Nothing to check: the registry (a PostgreSQL read per tenant) is not read.
    const unread = () => Promise.reject(new Error('the registry was read'));
    expect(await toolAllowance(turn, profile, unread)).toEqual({ ok: true, allowance: null });
  });

  it("offered tools of the profile become the turn's, with the choice", async () => {
    expect(
      await toolAllowance({ ...turn, tools: ['mcp.docs.echo'], toolChoice: 'required' }, profile, registry),
    ).toEqual({
      ok: true,
      allowance: { tools: ['mcp.docs.echo'], choice: 'required' },
    });
    expect(await toolAllowance({ ...turn, toolChoice: 'none' }, profile, registry)).toEqual({
      ok: true,
      allowance: { tools: profile.tools, choice: 'none' },
    });
  });

  it('refuses an unknown tool, one the profile does not grant, and required without a tool, naming the param', async () => {
    const unknown = await toolAllowance({ ...turn, tools: ['code.execute', 'fs.write'] }, profile, registry);
    expect(unknown).toMatchObject({
      ok: false,
      body: { error: { code: 'UNKNOWN_TOOL', param: 'tools[1]' } },
    });
    const widened = await toolAllowance({ ...turn, tools: ['http.fetch'] }, profile, registry);
    expect(widened).toMatchObject({
      ok: false,
      body: { error: { code: 'PARAMETER_UNSUPPORTED', param: 'tools[0]' } },
    });
    const nothing = await toolAllowance(
      { ...turn, toolChoice: 'required' },
      { name: 'bare', tools: [] },
      registry,
    );
    expect(nothing).toMatchObject({
      ok: false,
      body: { error: { code: 'PARAMETER_UNSUPPORTED', param: 'tool_choice' } },
    });
  });
});
