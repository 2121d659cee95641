import { type ToolCallFinished } from '#soma/contracts';

const MAX_CHARS = 4000;

/** The tool message the model reads: status, then output, error, the policy's reasons or the user's rejection. */
export function describeToolResult(result: ToolCallFinished): string {
  const body =
    result.status === 'blocked'
      ? { status: 'blocked', reasons: blockedReasons(result) }
      : result.status === 'error'
        ? { status: 'error', error: result.error, output: result.output }
        : { status: result.status, output: result.output }; // ok, or rejected with the user's message
  const text = JSON.stringify({ tool: result.tool, ...body });
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…(truncated)` : text;
}

export function blockedReasons(result: ToolCallFinished): string[] {
  const reasons = result.decision?.reasons ?? [];
  return reasons.length > 0 ? reasons : [result.error?.message ?? 'blocked by policy'];
}
