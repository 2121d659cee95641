import { Command } from '@nestjs/cqrs';

/** A replay session re-runs a recorded session; its tool calls are answered from the recording or run live. */
export interface ReplayOf {
  sourceSessionId: string;
  toolResults: 'recorded' | 'live';
}

export class CreateSessionCommand extends Command<{ id: string; modelProfileId: string }> {
  constructor(
    readonly tenantId: string,
    readonly title: string | null,
    /** A model profile id or name; the default profile (or, for a replay, the source's) when absent. */
    readonly modelProfile: string | null,
    readonly replay: ReplayOf | null = null,
    /** The API key creating the session: it answers the session's tool approvals (with its tenant's admins). */
    readonly ownerKeyId: string | null = null,
  ) {
    super();
  }
}
