import { type PipeTransform } from '@nestjs/common';
import { isUuid } from '#soma/contracts';
import { ConversationError } from '#soma/conversation';

/**
 * An id that is not even a uuid cannot exist: the caller's "not found" error, the same as for any unknown id
 * (no hint either way).
 */
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly notFound: (value: string) => Error) {}

  transform(value: string): string {
    if (!isUuid(value)) throw this.notFound(value);
    return value.toLowerCase();
  }
}

const conversationNotFound = (code: ConstructorParameters<typeof ConversationError>[0]) => (value: string) =>
  new ConversationError(code, `${value} not found`);

export const SessionIdPipe = new UuidParam(conversationNotFound('SESSION_NOT_FOUND'));
export const ModelProfileIdPipe = new UuidParam(conversationNotFound('MODEL_PROFILE_NOT_FOUND'));
export const TenantIdPipe = new UuidParam(conversationNotFound('TENANT_NOT_FOUND'));
