import { Command } from '@nestjs/cqrs';

/** Claim the deliveries that are due (at most `limit`), attempt each, record how it went. Returns the count. */
export class DeliverDueWebhooksCommand extends Command<number> {
  constructor(readonly limit: number) {
    super();
  }
}
