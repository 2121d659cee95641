import { describe, expect, it } from 'vitest';
import { allowanceProblem, turnTools } from './tool-allowance.js';

describe('turnTools', () => {
  const profile = { tools: ['code.execute', 'http.fetch', 'mcp.docs.echo'], toolChoice: 'auto' as const };

  it("without an allowance: the profile's tools and choice", () => {
    expect(turnTools(profile, null)).toEqual({ tools: profile.tools, required: false });
    expect(turnTools({ ...profile, toolChoice: 'required' }, null)).toEqual({
      tools: profile.tools,
      required: true,
    });
  });

  it("narrows to the profile's tools the allowance names, never widens", () => {
    expect(
      turnTools(profile, { tools: ['mcp.docs.echo', 'code.execute', 'fs.write'], choice: 'auto' }),
    ).toEqual({
      tools: ['code.execute', 'mcp.docs.echo'],
      required: false,
    });
    expect(
      turnTools({ ...profile, toolChoice: 'required' }, { tools: ['http.fetch'], choice: 'auto' }),
    ).toEqual({
      tools: ['http.fetch'],
      required: false,
    });
  });

  it('none leaves no tool; required needs a tool left', () => {
    expect(turnTools(profile, { tools: ['code.execute'], choice: 'none' })).toEqual({
      tools: [],
      required: false,
    });
    expect(turnTools(profile, { tools: ['code.execute'], choice: 'required' })).toEqual({
      tools: ['code.execute'],
      required: true,
    });
    expect(turnTools(profile, { tools: ['fs.write'], choice: 'required' })).toEqual({
      tools: [],
      required: false,
    });
  });

  it('an allowance naming a tool its profile lacks, or requiring none, is a problem naming where', () => {
    const named = { name: 'coder', tools: profile.tools };
    expect(allowanceProblem({ tools: ['http.fetch', 'code.execute'], choice: 'required' }, named)).toBeNull();
    expect(allowanceProblem({ tools: ['code.execute', 'fs.write'], choice: 'auto' }, named)).toMatchObject({
      index: 1,
    });
    expect(allowanceProblem({ tools: [], choice: 'required' }, named)).toMatchObject({ index: null });
    expect(allowanceProblem({ tools: [], choice: 'none' }, named)).toBeNull();
  });
});
