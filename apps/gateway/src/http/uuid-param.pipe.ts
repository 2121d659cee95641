import { type PipeTransform } from '@nestjs/common';
import { ConversationError, type ConversationErrorCode } from '#soma/conversation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that is not even a uuid cannot exist: the same 404 as any unknown id (no hint either way). */
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly notFound: ConversationErrorCode) {}

  transform(value: string): string {
    if (!UUID.test(value)) throw new ConversationError(this.notFound, `${value} not found`);
    return value.toLowerCase();
  }
}

export const SessionIdPipe = new UuidParam('SESSION_NOT_FOUND');
