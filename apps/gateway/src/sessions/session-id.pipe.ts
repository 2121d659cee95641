import { Injectable, type PipeTransform } from '@nestjs/common';
import { ConversationError } from '#soma/conversation';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A session id that is not even a uuid cannot exist: 404 like any unknown session. */
@Injectable()
export class SessionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new ConversationError('SESSION_NOT_FOUND', `session ${value} not found`);
    return value.toLowerCase();
  }
}
