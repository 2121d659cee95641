import { type RiskLevel } from '#soma/policy';
import { type Static, type TObject } from '@sinclair/typebox';
import { type ToolErrorCode } from '../tools.errors.js';

/** What a running tool knows about its call. */
export interface ToolContext {
  tenantId: string;
  sessionId: string;
  toolCallId: string;
  /** Aborted when the tool's timeout passes, or when the call is withdrawn (its turn was cancelled). */
  signal: AbortSignal;
  /** What policy decided on (`resource` of the tool); a tool acts on exactly this, e.g. the checked address. */
  resource: Record<string, unknown>;
}

export type ToolOutcome =
  | { status: 'ok'; output: unknown }
  | { status: 'error'; output: unknown; error: { code: ToolErrorCode; message: string } };

/**
 * A tool of the registry. `parameters` is the JSON Schema of the arguments (TypeBox), validated before
 * anything else runs; `resource` derives facts policy decides on (e.g. the host of a URL and the addresses
 * it resolves to), handed to `run` as they were decided on.
 */
export interface ToolDefinition<S extends TObject = TObject> {
  readonly name: string;
  readonly description: string;
  readonly parameters: S;
  readonly risk: RiskLevel;
  /** Wall-clock limit of one call, enforced by the executor (the sandbox enforces its own, tighter one). */
  readonly timeoutMs: number;
  /** Largest serialised output returned; tools truncate their own output to stay under it. */
  readonly outputCapBytes: number;
  resource?(args: Static<S>): Promise<Record<string, unknown>> | Record<string, unknown>;
  run(args: Static<S>, context: ToolContext): Promise<ToolOutcome>;
}

/**
 * What the executor runs and the registry lists: a built-in ToolDefinition, or a tool of a tenant's MCP server
 * (its `parameters` are the server's JSON Schema, checked by the registry before anything else).
 */
export interface Tool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments. */
  readonly parameters: object;
  readonly risk: RiskLevel;
  readonly timeoutMs: number;
  readonly outputCapBytes: number;
  resource?(args: Record<string, unknown>): Promise<Record<string, unknown>> | Record<string, unknown>;
  run(args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome>;
}

/** The public description of a tool, e.g. for the model's tool list or an API listing. */
export interface ToolDescriptor {
  name: string;
  description: string;
  parameters: object;
  risk: RiskLevel;
  timeoutMs: number;
  outputCapBytes: number;
}
