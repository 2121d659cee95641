import { ApiError } from '#soma/client';

/** A command line the CLI cannot run: wrong command, flag or value. Exit code 2, with the usage text. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Exit code and one-line message of whatever a command threw. */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
  if (error instanceof UsageError) return { exitCode: EXIT_USAGE, message: `error: ${error.message}` };
  if (error instanceof ApiError) {
    const status = error.status > 0 && error.status !== 200 ? ` (HTTP ${error.status})` : '';
    return { exitCode: EXIT_FAILED, message: `error: ${error.code}${status}: ${error.message}` };
  }
  return {
    exitCode: EXIT_FAILED,
    message: `error: ${error instanceof Error ? error.message : String(error)}`,
  };
}
