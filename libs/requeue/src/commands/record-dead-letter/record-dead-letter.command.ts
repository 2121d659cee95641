import { Command } from '@nestjs/cqrs';
import { type RawDeadLetter } from '../../dead-letters/dead-letter.parser.js';

/** Store a message read from a `.dlq` topic, with its reason code (once per topic position). */
export class RecordDeadLetterCommand extends Command<boolean> {
  constructor(readonly letter: RawDeadLetter) {
    super();
  }
}
