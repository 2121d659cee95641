import { Injectable } from '@nestjs/common';
import { Type, type Static } from '@sinclair/typebox';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { type Counter } from 'prom-client';
import {
  type ToolContext,
  type ToolDefinition,
  type ToolOutcome,
} from '../registry/tool-definition.contract.js';
import { SandboxRunner } from '../sandbox/sandbox.runner.js';

const Parameters = Type.Object(
  {
    language: Type.Union([Type.Literal('python'), Type.Literal('node'), Type.Literal('bash')], {
      description: 'Interpreter: python (3.11), node (20) or bash',
    }),
    code: Type.String({ minLength: 1, maxLength: 100_000, description: 'The program text' }),
    stdin: Type.Optional(Type.String({ maxLength: 100_000 })),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 30_000, description: 'Wall-clock limit, default 5000' }),
    ),
  },
  { additionalProperties: false },
);

/** Sandbox runs by outcome: ok, timeout, limits (a limit was hit), failed (the jail itself failed). */
export const SANDBOX_RUNS_METRIC = 'sandbox_runs_total';

/** Of stdout and of stderr each, as JSON carries them (escapes count): the result always fits outputCapBytes. */
const OUTPUT_CAP = 64 * 1024;

/** code.execute: a Python, Node or bash program in a jail of its own (docs/sandbox.md), with no network. */
@Injectable()
export class CodeExecuteTool implements ToolDefinition<typeof Parameters> {
  readonly name = 'code.execute';
  readonly description =
    'Run a short Python, Node.js or bash program in an isolated sandbox (no network, private files, ' +
    'CPU/memory/process/disk limits) and return its exit code, stdout and stderr.';
  readonly parameters = Parameters;
  readonly risk = 'high' as const;
  readonly timeoutMs = 35_000;
  readonly outputCapBytes = 2 * OUTPUT_CAP + 4096;

  constructor(
    private readonly sandbox: SandboxRunner,
    @InjectMetric(SANDBOX_RUNS_METRIC) private readonly runs: Counter<'language' | 'outcome'>,
  ) {}

  async run(args: Static<typeof Parameters>, context: ToolContext): Promise<ToolOutcome> {
    try {
      const { outcome, label } = await this.runJailed(args, context);
      this.runs.inc({ language: args.language, outcome: label });
      return outcome;
    } catch (error) {
      // The jail could not be built or the run could not be observed: the sandbox failed, not the program.
      this.runs.inc({ language: args.language, outcome: 'failed' });
      throw error;
    }
  }

  private async runJailed(
    args: Static<typeof Parameters>,
    context: ToolContext,
  ): Promise<{ outcome: ToolOutcome; label: 'ok' | 'timeout' | 'limits' }> {
    const timeoutMs = args.timeoutMs ?? 5000;
    const result = await this.sandbox.run(
      args.language,
      args.code,
      args.stdin ?? '',
      {
        timeoutMs,
        memoryMb: 256,
        runMemoryMb: 512,
        maxProcesses: 32,
        cpuPercent: 100,
        diskMb: 64,
        maxFileMb: 16,
        maxOpenFiles: 64,
        outputCapBytes: OUTPUT_CAP,
      },
      context.signal,
    );
    const output = {
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      truncated: result.truncated,
      timedOut: result.timedOut,
      limitsHit: result.limitsHit,
      durationMs: Math.round(result.durationMs),
    };
    if (result.timedOut) {
      const message = `the program was killed at its ${timeoutMs} ms limit`;
      return {
        outcome: { status: 'error', output, error: { code: 'TOOL_TIMEOUT', message } },
        label: 'timeout',
      };
    }
    return { outcome: { status: 'ok', output }, label: result.limitsHit.length > 0 ? 'limits' : 'ok' };
  }
}
