import { type SessionEvent } from '#soma/client';
import { terminalEventTypes } from '#soma/contracts';

const TERMINAL: ReadonlySet<string> = new Set(terminalEventTypes);

export const isTerminal = (event: SessionEvent): boolean => TERMINAL.has(event.type);

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Human-readable: deltas as they come, everything else as a bracketed line of its own. */
export function renderEvent(event: SessionEvent, midLine: boolean): string {
  const d = event.data;
  const line = (text: string) => `${midLine ? '\n' : ''}[${text}]\n`;
  switch (event.type) {
    case 'token':
      return str(d.delta ?? '');
    case 'turn.started':
      return line(`turn ${str(d.turnId)} started`);
    case 'tool.requested':
      return line(`tool ${str(d.tool)} requested ${JSON.stringify(d.arguments ?? {})}`);
    case 'tool.completed':
      return line(`tool ${str(d.tool ?? d.toolCallId)} ${str(d.status ?? 'completed')}`);
    case 'tool.blocked': {
      const reasons = Array.isArray(d.reasons) ? d.reasons.map(str).join('; ') : '';
      return line(`tool ${str(d.tool ?? d.toolCallId)} blocked: ${reasons}`);
    }
    case 'turn.completed': {
      const usage = d.usage as { promptTokens?: number; completionTokens?: number } | undefined;
      const tokens = usage
        ? ` · ${usage.promptTokens ?? '?'} prompt + ${usage.completionTokens ?? '?'} completion tokens`
        : '';
      return line(`turn completed${tokens}`);
    }
    case 'turn.failed':
      return line(`turn failed: ${str(d.code)} ${str(d.message ?? '')}`.trimEnd());
    case 'turn.cancelled': {
      const by = d.cancelledBy as { role?: string; via?: string } | undefined;
      return line(`turn cancelled by ${by?.role ?? '?'} (${by?.via ?? '?'})`);
    }
    default:
      return line(`${event.type} ${JSON.stringify(d)}`);
  }
}
