import { describe, expect, it } from 'vitest';
import { toolAllowance } from './turn-tool-allowance.js';

const registry = new Set(['code.execute', 'http.fetch', 'mcp.docs.echo']);
const profile = { name: 'coder', tools: ['code.execute', 'mcp.docs.echo'] };
const turn = { tools: null, toolChoice: 'auto' as const };

describe('toolAllowance', () => {
  it('neither tools nor a choice: the profile decides (no allowance)', () => {
    expect(toolAllowance(turn, profile, registry)).toEqual({ ok: true, allowance: null });
  });

  it("offered tools of the profile become the turn's, with the choice", () => {
    expect(
      toolAllowance({ ...turn, tools: ['mcp.docs.echo'], toolChoice: 'required' }, profile, registry),
    ).toEqual({
      ok: true,
      allowance: { tools: ['mcp.docs.echo'], choice: 'required' },
    });
    expect(toolAllowance({ ...turn, toolChoice: 'none' }, profile, registry)).toEqual({
      ok: true,
      allowance: { tools: profile.tools, choice: 'none' },
    });
  });

  it('refuses an unknown tool, one the profile does not grant, and required without a tool, naming the param', () => {
    const unknown = toolAllowance({ ...turn, tools: ['code.execute', 'fs.write'] }, profile, registry);
    expect(unknown).toMatchObject({
      ok: false,
      body: { error: { code: 'UNKNOWN_TOOL', param: 'tools[1]' } },
    });
    const widened = toolAllowance({ ...turn, tools: ['http.fetch'] }, profile, registry);
    expect(widened).toMatchObject({
      ok: false,
      body: { error: { code: 'PARAMETER_UNSUPPORTED', param: 'tools[0]' } },
    });
    const nothing = toolAllowance({ ...turn, toolChoice: 'required' }, { name: 'bare', tools: [] }, registry);
    expect(nothing).toMatchObject({
      ok: false,
      body: { error: { code: 'PARAMETER_UNSUPPORTED', param: 'tool_choice' } },
    });
  });
});
