import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { persist } from '#soma/platform';
import { SessionEventJournal } from '../../streaming/session-event.journal.js';
import { TurnRepository } from '../../turns/turn.repository.js';
import { AwaitToolApprovalCommand } from './await-tool-approval.command.js';

/**
 * The executor recorded a pending approval: the waiting turn streams `tool.approval_requested` and its wait is
 * extended to the approval's deadline (the watchdog then ends it with TOOL_TIMEOUT, as any lapsed tool wait).
 */
@CommandHandler(AwaitToolApprovalCommand)
export class AwaitToolApprovalHandler implements ICommandHandler<AwaitToolApprovalCommand, boolean> {
  constructor(
    private readonly turns: TurnRepository,
    private readonly journal: SessionEventJournal,
  ) {}

  async execute({ envelope }: AwaitToolApprovalCommand): Promise<boolean> {
    const { turnId, toolCallId, tool, arguments: args, reasons, expiresAt } = envelope.payload;
    const ctx = { ...envelope, causationId: envelope.eventId };
    const asked = {
      type: 'tool.approval_requested' as const,
      payload: { turnId, toolCallId, tool, arguments: args, reasons, expiresAt },
    };
    const extended = await persist(() =>
      this.turns.extendToolWait({ turnId, toolCallId, until: new Date(expiresAt) }, ctx, asked),
    );
    if (extended) await this.journal.publish(envelope.sessionId);
    return extended;
  }
}
