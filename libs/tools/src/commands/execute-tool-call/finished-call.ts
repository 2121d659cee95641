import { type ToolErrorCode } from '../../tools.errors.js';
import { type Admission } from './tool-call.gatekeeper.js';
import { type FinishedCall } from './tool-result.publisher.js';

/** The result of a call that was not admitted: rejected before running, or blocked by policy. */
export function refusedCall(admission: Extract<Admission, { kind: 'blocked' | 'rejected' }>): FinishedCall {
  if (admission.kind === 'blocked') {
    return {
      status: 'blocked',
      output: { reasons: admission.decision.reasons },
      error: null,
      decision: admission.decision,
      durationMs: 0,
      grantId: null,
    };
  }
  return {
    // A refused grant leaves the call blocked (a real override may still come), never failed.
    status: admission.code === 'GRANT_INVALID' ? 'blocked' : 'error',
    output: { errors: admission.errors },
    error: { code: admission.code, message: admission.message },
    decision: null,
    durationMs: 0,
    grantId: null,
  };
}

/** The result of a call whose executor died mid-run: the tool may have had effects, so it is never run again. */
export function interruptedCall(): FinishedCall {
  const code: ToolErrorCode = 'TOOL_INTERRUPTED';
  return {
    status: 'error',
    output: null,
    error: { code, message: 'the run of this call was interrupted; it is not run again' },
    decision: null,
    durationMs: 0,
    grantId: null,
  };
}

/** The result of a call withdrawn because its turn was cancelled (killed, or never started). */
export function withdrawnCall(durationMs: number): FinishedCall {
  const code: ToolErrorCode = 'TOOL_CANCELLED';
  return {
    status: 'error',
    output: null,
    error: { code, message: 'the call was withdrawn: its turn was cancelled' },
    decision: null,
    durationMs,
    grantId: null,
  };
}
