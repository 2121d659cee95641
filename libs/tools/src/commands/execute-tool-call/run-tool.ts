import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../../registry/tool-definition.contract.js';
import { ToolError } from '../../tools.errors.js';

/**
 * Runs a validated call within the tool's timeout and output cap. Never throws: every failure becomes an error
 * outcome with a code the model and the user can read. `withdrawn` stops it at once (TOOL_CANCELLED): the
 * tool's signal aborts, which kills a sandboxed program's whole process group.
 */
export async function runTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  context: Omit<ToolContext, 'signal'>,
  withdrawn?: AbortSignal,
): Promise<ToolOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onWithdrawn: (() => void) | undefined;
  const cancelled = new Promise<ToolOutcome>((resolve) => {
    onWithdrawn = () => {
      controller.abort(new ToolError('TOOL_CANCELLED', `${tool.name} was cancelled`));
      resolve({
        status: 'error',
        output: null,
        error: { code: 'TOOL_CANCELLED', message: 'the call was withdrawn: its turn was cancelled' },
      });
    };
    if (withdrawn?.aborted) onWithdrawn();
    else withdrawn?.addEventListener('abort', onWithdrawn, { once: true });
  });
  const timeout = new Promise<ToolOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new ToolError('TOOL_TIMEOUT', `${tool.name} timed out`));
      resolve({
        status: 'error',
        output: null,
        error: { code: 'TOOL_TIMEOUT', message: `${tool.name} did not finish within ${tool.timeoutMs} ms` },
      });
    }, tool.timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      tool.run(args, { ...context, signal: controller.signal }),
      timeout,
      cancelled,
    ]);
    return capOutput(tool, outcome);
  } catch (error) {
    const code =
      error instanceof ToolError ? error.code : tool.name === 'http.fetch' ? 'FETCH_FAILED' : 'TOOL_FAILED';
    const cause = (error as Error & { cause?: Error }).cause?.message;
    const message = `${(error as Error).message}${cause ? `: ${cause}` : ''}`;
    return { status: 'error', output: null, error: { code, message } };
  } finally {
    clearTimeout(timer);
    if (onWithdrawn) withdrawn?.removeEventListener('abort', onWithdrawn);
  }
}

function capOutput(tool: ToolDefinition, outcome: ToolOutcome): ToolOutcome {
  const size = Buffer.byteLength(JSON.stringify(outcome.output ?? null));
  if (size <= tool.outputCapBytes) return outcome;
  return {
    status: 'error',
    output: null,
    error: {
      code: 'OUTPUT_TOO_LARGE',
      message: `output of ${size} bytes exceeds the cap of ${tool.outputCapBytes}`,
    },
  };
}
