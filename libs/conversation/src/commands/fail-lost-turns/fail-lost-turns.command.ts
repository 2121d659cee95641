import { Command } from '@nestjs/cqrs';

/** Ends running turns whose worker stopped renewing the lease (crashed, killed, partitioned): WORKER_LOST. */
export class FailLostTurnsCommand extends Command<number> {}
