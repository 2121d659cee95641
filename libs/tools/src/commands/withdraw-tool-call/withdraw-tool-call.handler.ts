import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RunningCalls } from '../execute-tool-call/running-calls.js';
import { WithdrawToolCallCommand } from './withdraw-tool-call.command.js';

/**
 * Every executor instance gets every cancel; the one running a call of the turn kills it (its result is
 * TOOL_CANCELLED).
 * A call not started yet is refused when it is claimed (RunningCalls.withdrawnBefore).
 */
@CommandHandler(WithdrawToolCallCommand)
export class WithdrawToolCallHandler implements ICommandHandler<WithdrawToolCallCommand, boolean> {
  private readonly logger = new Logger(WithdrawToolCallHandler.name);

  constructor(private readonly running: RunningCalls) {}

  execute({ envelope }: WithdrawToolCallCommand): Promise<boolean> {
    const { turnId } = envelope.payload;
    const withdrawn = this.running.withdraw(turnId);
    for (const toolCallId of withdrawn) this.logger.log({ msg: 'tool call withdrawn', toolCallId, turnId });
    return Promise.resolve(withdrawn.length > 0);
  }
}
