import { BadRequestException } from '@nestjs/common';
import { ConversationError } from '#soma/conversation';
import { IdentityError } from '#soma/identity';
import { describe, expect, it } from 'vitest';
import { openAiError } from './chat-completion-request.js';
import { openAiErrorOf, OpenAiRequestError } from './openai-error.filter.js';

describe('openAiErrorOf', () => {
  it('keeps our status and code, in OpenAI shape, with the type the status implies', () => {
    expect(openAiErrorOf(new IdentityError('API_KEY_INVALID', 'bad key'))).toEqual({
      status: 401,
      body: openAiError('API_KEY_INVALID', 'bad key', null, 'authentication_error'),
      retryAfterSeconds: null,
    });
    expect(
      openAiErrorOf(new ConversationError('BUDGET_EXCEEDED', 'used up', { retryAfterSeconds: 30 })),
    ).toEqual({
      status: 429,
      body: openAiError('BUDGET_EXCEEDED', 'used up', null, 'rate_limit_error'),
      retryAfterSeconds: 30,
    });
    expect(openAiErrorOf(new ConversationError('SESSION_NOT_FOUND', 'no session')).status).toBe(404);
    expect(openAiErrorOf(new Error('boom'))).toMatchObject({
      status: 500,
      body: { error: { type: 'api_error', code: 'INTERNAL_ERROR' } },
    });
  });

  it('names the field of a validation error as param, and passes its own errors through', () => {
    const invalid = new BadRequestException({
      error: 'VALIDATION_FAILED',
      message: 'bad',
      fields: [{ field: 'content', errors: ['bad'] }],
    });
    expect(openAiErrorOf(invalid).body.error).toMatchObject({ param: 'content', code: 'VALIDATION_FAILED' });
    const own = new OpenAiRequestError(404, openAiError('model_not_found', 'no model', 'model'));
    expect(openAiErrorOf(own)).toEqual({ status: 404, body: own.body, retryAfterSeconds: null });
  });
});
