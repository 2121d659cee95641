import { describe, expect, it } from 'vitest';
import { parseChatCompletion } from './chat-completion-request.js';

const base = { model: 'default', messages: [{ role: 'user', content: 'hi' }] };

function param(body: unknown): string | null | undefined {
  const parsed = parseChatCompletion(body);
  return parsed.ok ? undefined : parsed.body.error.param;
}

describe('parseChatCompletion', () => {
  it('takes the last user message, stream flags and the offered tool names', () => {
    const parsed = parseChatCompletion({
      ...base,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'code.execute', parameters: {} } }],
      tool_choice: 'required',
      user: 'ignored',
    });
    expect(parsed).toEqual({
      ok: true,
      turn: {
        model: 'default',
        content: 'a\nb',
        stream: true,
        includeUsage: true,
        tools: ['code.execute'],
        toolChoice: 'required',
        conversation: null,
      },
    });
  });

  it('no tools named: the profile decides; a named function is the one tool, required', () => {
    const parsed = parseChatCompletion(base);
    expect(parsed.ok && parsed.turn).toMatchObject({ tools: null, toolChoice: 'auto' });
    const named = parseChatCompletion({
      ...base,
      tools: [
        { type: 'function', function: { name: 'code.execute' } },
        { type: 'function', function: { name: 'http.fetch' } },
      ],
      tool_choice: { type: 'function', function: { name: 'http.fetch' } },
    });
    expect(named.ok && named.turn).toMatchObject({ tools: ['http.fetch'], toolChoice: 'required' });
    const alone = parseChatCompletion({
      ...base,
      tool_choice: { type: 'function', function: { name: 'x.y' } },
    });
    expect(alone.ok && alone.turn).toMatchObject({ tools: ['x.y'], toolChoice: 'required' });
    expect(
      param({
        ...base,
        tools: [{ type: 'function', function: { name: 'code.execute' } }],
        tool_choice: { type: 'function', function: { name: 'http.fetch' } },
      }),
    ).toBe('tool_choice');
  });

  it('takes the session to continue from conversation, and refuses one that is not a string', () => {
    const id = '6f1c2a1e-8d1f-4c55-9a43-0f6f2bb8e0a1';
    const parsed = parseChatCompletion({ ...base, conversation: id });
    expect(parsed.ok && parsed.turn.conversation).toBe(id);
    expect(param({ ...base, conversation: { id } })).toBe('conversation');
  });

  it('refuses what it does not serve with the parameter named', () => {
    expect(param({ ...base, n: 2 })).toBe('n');
    expect(param({ ...base, logprobs: true })).toBe('logprobs');
    expect(param({ ...base, temperature: 0.2 })).toBe('temperature');
    expect(param({ ...base, bogus: 1 })).toBe('bogus');
    expect(param({ ...base, tool_choice: { type: 'function' } })).toBe('tool_choice');
    expect(param({ ...base, messages: [{ role: 'assistant', content: 'x' }] })).toBe('messages[0]');
    expect(param({ ...base, messages: [{ role: 'user', content: [{ type: 'image_url' }] }] })).toBe(
      'messages[0].content[0]',
    );
    expect(parseChatCompletion({ ...base, n: 2 })).toMatchObject({
      ok: false,
      body: { error: { code: 'PARAMETER_UNSUPPORTED', type: 'invalid_request_error' } },
    });
  });

  it('names malformed fields', () => {
    expect(param(null)).toBe('body');
    expect(param({ messages: base.messages })).toBe('model');
    expect(param({ ...base, messages: [] })).toBe('messages');
    expect(param({ ...base, stream: 'yes' })).toBe('stream');
    expect(param({ ...base, tools: [{ type: 'function' }] })).toBe('tools[0]');
    expect(param({ ...base, tools: [] })).toBe('tools');
    expect(param({ ...base, messages: [{ role: 'user', content: '  ' }] })).toBe('messages[0].content');
  });
});
