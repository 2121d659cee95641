import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { grammarSchema } from './tool-decider.js';

describe('grammarSchema', () => {
  it('keeps required properties, turns unions of literals into enums, drops limits a grammar cannot hold', () => {
    const parameters = Type.Object(
      {
        language: Type.Union([Type.Literal('python'), Type.Literal('node'), Type.Literal('bash')]),
        code: Type.String({ minLength: 1, maxLength: 20_000 }),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 30_000 })),
      },
      { additionalProperties: false },
    );
    expect(grammarSchema(JSON.parse(JSON.stringify(parameters)))).toEqual({
      type: 'object',
      properties: {
        language: { enum: ['python', 'node', 'bash'] },
        code: { type: 'string', minLength: 1, maxLength: 240 },
      },
      required: ['language', 'code'],
    });
  });

  it('keeps unions of schemas as oneOf', () => {
    const schema = Type.Union([Type.String(), Type.Number()]);
    expect(grammarSchema(JSON.parse(JSON.stringify(schema)))).toEqual({
      oneOf: [{ type: 'string', maxLength: 240 }, { type: 'number' }],
    });
  });
});
