import { describe, expect, it } from 'vitest';
import { userTextOf, type UiMessageDto } from './ui-chat.dto.js';

const message = (role: UiMessageDto['role'], parts: Record<string, unknown>[]): UiMessageDto => ({
  id: 'm',
  role,
  parts,
});

describe('userTextOf', () => {
  it("joins the text parts of the last message when it is the user's, skipping other parts", () => {
    expect(
      userTextOf([
        message('user', [{ type: 'text', text: 'earlier' }]),
        message('assistant', [{ type: 'text', text: 'reply' }]),
        message('user', [
          { type: 'text', text: 'one' },
          { type: 'file', url: 'data:,x', mediaType: 'text/plain' },
          { type: 'text', text: 'two' },
        ]),
      ]),
    ).toBe('one\n\ntwo');
  });

  it('is null for an assistant last message, no text part, white space only, or a text that is not a string', () => {
    expect(userTextOf([message('assistant', [{ type: 'text', text: 'x' }])])).toBeNull();
    expect(userTextOf([message('user', [{ type: 'step-start' }])])).toBeNull();
    expect(userTextOf([message('user', [{ type: 'text', text: ' \n ' }])])).toBeNull();
    expect(userTextOf([message('user', [{ type: 'text', text: 42 }])])).toBeNull();
    expect(userTextOf([])).toBeNull();
  });
});
