import { Module, type Provider } from '@nestjs/common';
import {
  FgaTenantToolGrants,
  PolicyEnginesProbe,
  PolicyModule,
  TenantPolicySettingsReader,
  TenantSettingsInvalidation,
} from '#soma/policy';
import { SecretBox, SomaConfig } from '#soma/platform';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { DataSource } from 'typeorm';
import { ExecuteToolCallHandler } from './commands/execute-tool-call/execute-tool-call.handler.js';
import { RunningCalls } from './commands/execute-tool-call/running-calls.js';
import { ToolSlots } from './commands/execute-tool-call/tool-slots.js';
import { ToolTimeBudget } from './budget/tool-time-budget.js';
import { WithdrawToolCallHandler } from './commands/withdraw-tool-call/withdraw-tool-call.handler.js';
import { ToolCallGatekeeper } from './commands/execute-tool-call/tool-call.gatekeeper.js';
import { OverrideGrantRepository } from './commands/execute-tool-call/override-grant.repository.js';
import { ToolCallRepository } from './commands/execute-tool-call/tool-call.repository.js';
import { ToolResultPublisher } from './commands/execute-tool-call/tool-result.publisher.js';
import { RecordedToolResults } from './commands/execute-tool-call/recorded-results.js';
import { IngestDocumentHandler } from './commands/ingest-document/ingest-document.handler.js';
import { RequestToolCallHandler } from './commands/request-tool-call/request-tool-call.handler.js';
import { GetPolicyStatusHandler } from './queries/get-policy-status/get-policy-status.handler.js';
import { ListToolCallsHandler } from './queries/list-tool-calls/list-tool-calls.handler.js';
import { SetTenantToolsHandler } from './commands/set-tenant-tools/set-tenant-tools.handler.js';
import { GetTenantToolsHandler } from './queries/get-tenant-tools/get-tenant-tools.handler.js';
import { TenantGuard } from './tenants/tenant.guard.js';
import { ToolRegistry } from './registry/tool.registry.js';
import { SandboxJailCheck } from './sandbox/sandbox-jail.check.js';
import { SandboxRunner, sandboxOptions } from './sandbox/sandbox.runner.js';
import { PostgresSearchEngine } from './search/postgres-search.engine.js';
import { SearxngSearchEngine } from './search/searxng-search.engine.js';
import { CodeExecuteTool, SANDBOX_RUNS_METRIC } from './tools/code-execute.tool.js';
import { HttpFetchTool } from './tools/http-fetch.tool.js';
import { MemorySearchTool } from './tools/memory-search.tool.js';
import { MemoryWriteTool } from './tools/memory-write.tool.js';
import { SEARCH_ENGINE, WebSearchTool } from './tools/web-search.tool.js';
import { McpCatalog } from './mcp/mcp.catalog.js';
import { McpConnector } from './mcp/mcp.connector.js';
import { RegisterMcpServerHandler } from './commands/register-mcp-server/register-mcp-server.handler.js';
import { RefreshMcpServerHandler } from './commands/refresh-mcp-server/refresh-mcp-server.handler.js';
import { DeleteMcpServerHandler } from './commands/delete-mcp-server/delete-mcp-server.handler.js';
import { ListMcpServersHandler } from './queries/list-mcp-servers/list-mcp-servers.handler.js';

const toolClasses = [CodeExecuteTool, HttpFetchTool, WebSearchTool, MemoryWriteTool, MemorySearchTool];

/** The registry and its tools (constructing them has no side effects: the gateway validates with it too). */
const registryProviders: Provider[] = [
  {
    provide: SandboxRunner,
    inject: [SomaConfig],
    useFactory: (config: SomaConfig) => new SandboxRunner(sandboxOptions(config)),
  },
  {
    provide: SEARCH_ENGINE,
    inject: [SomaConfig, DataSource],
    useFactory: (config: SomaConfig, dataSource: DataSource) =>
      config.searxngUrl ? new SearxngSearchEngine(config.searxngUrl) : new PostgresSearchEngine(dataSource),
  },
  // code.execute counts its runs (only the executor runs tools: elsewhere it stays at zero).
  makeCounterProvider({
    name: SANDBOX_RUNS_METRIC,
    help: 'code.execute runs by language and outcome (ok, timeout, limits, failed: the jail itself failed)',
    labelNames: ['language', 'outcome'],
  }),
  ...toolClasses,
  {
    // MCP credentials are sealed with the same key as webhook secrets (SOMA_WEBHOOK_SECRET_KEY).
    provide: SecretBox,
    inject: [SomaConfig],
    useFactory: (config: SomaConfig) => new SecretBox(config.webhookSecretKey),
  },
  McpConnector,
  McpCatalog,
  {
    provide: ToolRegistry,
    inject: [McpCatalog, ...toolClasses],
    useFactory: (catalog: McpCatalog, ...tools: InstanceType<(typeof toolClasses)[number]>[]) =>
      new ToolRegistry(tools, catalog),
  },
];

/** What the tool executor needs: the registry, the policy gate, the exactly-once pipeline and its metrics. */
@Module({
  imports: [PolicyModule],
  providers: [
    ...registryProviders,
    SandboxJailCheck,
    ToolCallRepository,
    ToolCallGatekeeper,
    OverrideGrantRepository,
    ToolResultPublisher,
    RecordedToolResults,
    RunningCalls,
    ToolSlots,
    ToolTimeBudget,
    ExecuteToolCallHandler,
    WithdrawToolCallHandler,
    makeHistogramProvider({
      name: 'tool_queue_wait_seconds',
      help: 'How long an admitted tool call waited for a slot (fair between tenants) before it ran',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    }),
    makeGaugeProvider({
      name: 'tool_calls_waiting',
      help: 'Admitted tool calls waiting for a slot now',
    }),
    makeCounterProvider({
      name: 'tool_executions_total',
      help: 'Tool calls handled, by tool and status (ok, error, blocked, rejected, replayed, cancelled)',
      labelNames: ['tool', 'status'],
    }),
    makeHistogramProvider({
      name: 'tool_execution_duration_seconds',
      help: 'Duration of tool runs (validation, policy and the run itself)',
      labelNames: ['tool'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    }),
  ],
  exports: [ToolRegistry],
})
export class ToolsExecutorModule {}

/** What the gateway needs: explicit tool calls by users, document ingestion, tool calls and policy status. */
@Module({
  providers: [
    ...registryProviders,
    // http.fetch's own checks read it when the tool runs (in the executor, from PolicyModule); here it only
    // validates arguments, so a plain reader without the executor's invalidation is enough.
    TenantPolicySettingsReader,
    TenantSettingsInvalidation,
    RequestToolCallHandler,
    ToolTimeBudget,
    IngestDocumentHandler,
    ListToolCallsHandler,
    GetPolicyStatusHandler,
    SetTenantToolsHandler,
    GetTenantToolsHandler,
    RegisterMcpServerHandler,
    RefreshMcpServerHandler,
    DeleteMcpServerHandler,
    ListMcpServersHandler,
    TenantGuard,
    {
      provide: FgaTenantToolGrants,
      inject: [SomaConfig],
      useFactory: (config: SomaConfig) =>
        new FgaTenantToolGrants({
          apiUrl: config.fgaUrl,
          storeName: config.fgaStoreName,
          timeoutMs: Math.max(config.policyTimeoutMs, 2000),
        }),
    },
    {
      provide: PolicyEnginesProbe,
      inject: [SomaConfig],
      useFactory: (config: SomaConfig) =>
        new PolicyEnginesProbe(config.opaUrl, config.fgaUrl, Math.max(config.policyTimeoutMs, 1000)),
    },
  ],
  exports: [ToolRegistry, ToolTimeBudget],
})
export class ToolsApiModule {}
