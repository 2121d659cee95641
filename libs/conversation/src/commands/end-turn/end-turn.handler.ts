import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { TurnRepository } from '../../turns/turn.repository.js';
import { TurnFinisher } from '../run-turn/turn-finisher.js';
import { EndTurnCommand } from './end-turn.command.js';

@CommandHandler(EndTurnCommand)
export class EndTurnHandler implements ICommandHandler<EndTurnCommand, boolean> {
  constructor(
    private readonly turns: TurnRepository,
    private readonly finisher: TurnFinisher,
  ) {}

  async execute({ turnId, ctx, code, message }: EndTurnCommand): Promise<boolean> {
    const turn = await this.turns.find(turnId);
    if (!turn || turn.tenantId !== ctx.tenantId) return false;
    return this.finisher.fail({ turn, ctx, guard: { kind: 'open' } }, code, message);
  }
}
