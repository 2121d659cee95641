import { type ToolContext, type Tool, type ToolOutcome } from '../../registry/tool-definition.contract.js';
import { ToolError } from '../../tools.errors.js';

/**
 * Runs a validated call within the tool's timeout and output cap. Never throws: every failure becomes an error
 * outcome with a code the model and the user can read. `withdrawn` stops it at once (TOOL_CANCELLED): the
 * tool's signal aborts, which kills a sandboxed program's whole process group.
 */
export async function runTool(
  tool: Tool,
  args: Record<string, unknown>,
  context: Omit<ToolContext, 'signal'>,
  withdrawn?: AbortSignal,
): Promise<ToolOutcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const running = tool.run(args, { ...context, signal: controller.signal });
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
  const stop = withdrawal(withdrawn, controller, running);
  try {
    const outcome = await Promise.race([running, timeout, stop.outcome]);
    // Withdrawn: whatever the killed tool returned, the call was cancelled.
    return withdrawn?.aborted ? cancelledOutcome() : capOutput(tool, outcome);
  } catch (error) {
    const code =
      error instanceof ToolError ? error.code : tool.name === 'http.fetch' ? 'FETCH_FAILED' : 'TOOL_FAILED';
    const cause = (error as Error & { cause?: Error }).cause?.message;
    const message = `${(error as Error).message}${cause ? `: ${cause}` : ''}`;
    return { status: 'error', output: null, error: { code, message } };
  } finally {
    clearTimeout(timer);
    stop.dispose();
  }
}

const cancelledOutcome = (): ToolOutcome => ({
  status: 'error',
  output: null,
  error: { code: 'TOOL_CANCELLED', message: 'the call was withdrawn: its turn was cancelled' },
});

/** How long a withdrawn tool may take to stop (a killed sandbox is gone in milliseconds) before it is left. */
const WITHDRAW_GRACE_MS = 2000;

/**
 * A withdrawal aborts the tool's signal (a sandboxed program's process group is killed) and ends the call as
 * TOOL_CANCELLED once the tool has stopped and cleaned up, or after a short grace if it ignores its signal.
 */
function withdrawal(
  withdrawn: AbortSignal | undefined,
  controller: AbortController,
  running: Promise<ToolOutcome>,
): { outcome: Promise<ToolOutcome>; dispose: () => void } {
  let onAbort: (() => void) | undefined;
  const outcome = new Promise<ToolOutcome>((resolve) => {
    onAbort = () => {
      controller.abort(new ToolError('TOOL_CANCELLED', 'the call was withdrawn'));
      const stopped = running.then(
        () => undefined,
        () => undefined,
      );
      const grace = new Promise((done) => setTimeout(done, WITHDRAW_GRACE_MS));
      void Promise.race([stopped, grace]).then(() => {
        resolve(cancelledOutcome());
      });
    };
    if (withdrawn?.aborted) onAbort();
    else withdrawn?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    outcome,
    dispose: () => {
      if (onAbort) withdrawn?.removeEventListener('abort', onAbort);
    },
  };
}

function capOutput(tool: Tool, outcome: ToolOutcome): ToolOutcome {
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
