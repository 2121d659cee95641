import { type CommandSpec } from './cli.contract.js';
import {
  approvalsApprove,
  approvalsEdit,
  approvalsList,
  approvalsReject,
} from './commands/approvals/approvals.command.js';
import { auditVerify } from './commands/audit-verify/audit-verify.command.js';
import { profilesList } from './commands/profiles-list/profiles-list.command.js';
import { replay } from './commands/replay/replay.command.js';
import { requeueList } from './commands/requeue-list/requeue-list.command.js';
import { requeueOverride, requeueReject } from './commands/requeue-resolve/requeue-resolve.command.js';
import { sessionsCancel } from './commands/sessions-cancel/sessions-cancel.command.js';
import { sessionsList } from './commands/sessions-list/sessions-list.command.js';
import { sessionsShow } from './commands/sessions-show/sessions-show.command.js';
import { sessionsTail } from './commands/sessions-tail/sessions-tail.command.js';
import { tenantsPolicyGet, tenantsPolicySet } from './commands/tenants-policy/tenants-policy.command.js';

/** Every command of `soma`, in the order `--help` lists them. */
export const COMMANDS: CommandSpec[] = [
  sessionsList,
  sessionsShow,
  sessionsTail,
  sessionsCancel,
  profilesList,
  requeueList,
  requeueOverride,
  requeueReject,
  approvalsList,
  approvalsApprove,
  approvalsEdit,
  approvalsReject,
  replay,
  tenantsPolicyGet,
  tenantsPolicySet,
  auditVerify,
];
