import { Command } from '@nestjs/cqrs';

export interface ToolCallAccepted {
  toolCallId: string;
}

/** A user asks for a tool call explicitly; it takes the same path as the model's (tool.requests). */
export class RequestToolCallCommand extends Command<ToolCallAccepted> {
  constructor(
    readonly tenantId: string,
    readonly principal: { role: 'admin' | 'user'; keyId: string },
    readonly sessionId: string,
    readonly tool: string,
    readonly args: Record<string, unknown>,
    readonly correlationId: string,
  ) {
    super();
  }
}
