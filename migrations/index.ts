import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { ConversationWorker1764000001000 } from './1764000001000-conversation-worker.js';
import { Tools1764000003000 } from './1764000003000-tools.js';
import { Requeue1764000005000 } from './1764000005000-requeue.js';
import { TurnTools1764000006000 } from './1764000006000-turn-tools.js';
import { PolicyDecisionsAndReplay1764000007000 } from './1764000007000-policy-decisions-and-replay.js';
import { SessionEventJournal1764000008000 } from './1764000008000-session-event-journal.js';
import { ToolCallClaims1764000009000 } from './1764000009000-tool-call-claims.js';
import { TurnControl1764000009500 } from './1764000009500-turn-control.js';
import { ToolApprovals1764000010000 } from './1764000010000-tool-approvals.js';
import { Webhooks1764000010500 } from './1764000010500-webhooks.js';
import { ToolSecurity1764000011500 } from './1764000011500-tool-security.js';
import { TenantPolicySettings1764000011200 } from './1764000011200-tenant-policy-settings.js';
import { AuditChainAndRoles1764000013300 } from './1764000013300-audit-chain-and-roles.js';
import { TurnToolAllowance1764000014000 } from './1764000014000-turn-tool-allowance.js';

/** Every migration, in order. The schema changes only through these. */
import { McpServers1764000012000 } from './1764000012000-mcp-servers.js';

export const migrations = [
  InitialSchema1764000000000,
  ConversationWorker1764000001000,
  Tools1764000003000,
  Requeue1764000005000,
  TurnTools1764000006000,
  PolicyDecisionsAndReplay1764000007000,
  SessionEventJournal1764000008000,
  ToolCallClaims1764000009000,
  TurnControl1764000009500,
  ToolApprovals1764000010000,
  Webhooks1764000010500,
  TenantPolicySettings1764000011200,
  ToolSecurity1764000011500,
  McpServers1764000012000,
  AuditChainAndRoles1764000013300,
  TurnToolAllowance1764000014000,
];
