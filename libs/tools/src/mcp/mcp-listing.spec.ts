import { describe, expect, it } from 'vitest';
import { ToolError } from '../tools.errors.js';
import { listedTools, toolSegment } from './mcp-listing.js';
import { argumentsValidator, schemaProblem } from './mcp-schema.js';

const tool = (name: string, inputSchema: { type: 'object'; [key: string]: unknown }) => ({
  name,
  inputSchema,
});
const refusal = (run: () => unknown): string => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof ToolError ? `${error.code}: ${error.message}` : 'other';
  }
};

describe('MCP tool listings', () => {
  it('names tools mcp.<server>.<tool> in the registry alphabet', () => {
    expect(toolSegment('searchDocs')).toBe('searchdocs');
    expect(toolSegment('get.page/v2')).toBe('get_page_v2');
    expect(toolSegment('9lives')).toBe('t9lives');
    const [listed] = listedTools('docs', [
      tool('Search', { type: 'object', properties: { q: { type: 'string' } } }),
    ]);
    expect(listed).toMatchObject({ name: 'mcp.docs.search', remoteName: 'Search' });
  });

  it('refuses the whole server when one schema is not JSON Schema, naming the tool and the reason', () => {
    const good = tool('ok', { type: 'object' });
    const bad = tool('broken', { type: 'object', properties: { q: { type: 'strin' } } });
    expect(refusal(() => listedTools('docs', [good, bad]))).toMatch(
      /^MCP_SERVER_INVALID: tool "broken": inputSchema is not valid JSON Schema: .*properties\/q\/type/,
    );
    const unresolved = tool('ref', { type: 'object', properties: { q: { $ref: '#/definitions/none' } } });
    expect(refusal(() => listedTools('docs', [unresolved]))).toMatch(
      /tool "ref": inputSchema does not compile/,
    );
    expect(
      refusal(() => listedTools('docs', [tool('a.b', { type: 'object' }), tool('a_b', { type: 'object' })])),
    ).toMatch(/both become mcp.docs.a_b/);
    expect(refusal(() => listedTools('docs', []))).toMatch(/lists no tools/);
  });

  it('checks arguments against the schema, whatever dialect the server names', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { q: { type: 'string', maxLength: 3 } },
      required: ['q'],
      additionalProperties: false,
    };
    expect(schemaProblem(schema)).toBeNull();
    const check = argumentsValidator(schema);
    expect(check({ q: 'abc' })).toEqual([]);
    expect(check({ q: 'abcd', x: 1 })[0]?.message).toMatch(/maxLength|more than 3|additional/i);
    expect(check({})).toHaveLength(1);
  });
});
