import { Command } from '@nestjs/cqrs';

/**
 * The watchdog's sweep: a running turn whose run is gone is resumed here (or ends WORKER_LOST after its
 * attempts), a turn waiting too long for a tool ends TOOL_TIMEOUT, a turn that never started ends
 * TURN_NOT_STARTED. Returns how many turns it acted on.
 */
export class RecoverTurnsCommand extends Command<number> {}
