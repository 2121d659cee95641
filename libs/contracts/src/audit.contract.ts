import { Type, type Static } from '@sinclair/typebox';

/**
 * audit.events: an admin or operator action, as also written to the audit_events table (hash-chained per tenant,
 * docs/audit.md).
 */
export const AuditRecordedSchema = Type.Object(
  {
    auditId: Type.String({ format: 'uuid' }),
    action: Type.Union([
      Type.Literal('requeue.overridden'),
      Type.Literal('requeue.rejected'),
      Type.Literal('dead_letter.replayed'),
      Type.Literal('approval.approved'),
      Type.Literal('approval.edited'),
      Type.Literal('approval.rejected'),
      Type.Literal('tenant.policy.updated'),
      Type.Literal('tenant.created'),
      Type.Literal('tenant.tools.updated'),
      Type.Literal('tenant.budget.updated'),
      Type.Literal('api_key.created'),
      Type.Literal('api_key.revoked'),
      Type.Literal('api_key.recovered'),
      Type.Literal('model_profile.created'),
      Type.Literal('model_profile.updated'),
      Type.Literal('model_profile.deleted'),
      Type.Literal('webhook.registered'),
      Type.Literal('webhook.deleted'),
      Type.Literal('mcp_server.registered'),
      Type.Literal('mcp_server.refreshed'),
      Type.Literal('mcp_server.deleted'),
    ]),
    actor: Type.Object(
      {
        keyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
        role: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    subject: Type.Object(
      {
        type: Type.Union([
          Type.Literal('requeue_item'),
          Type.Literal('dead_letter'),
          Type.Literal('tool_approval'),
          Type.Literal('tenant'),
          Type.Literal('api_key'),
          Type.Literal('model_profile'),
          Type.Literal('webhook'),
          Type.Literal('mcp_server'),
        ]),
        id: Type.String({ format: 'uuid' }),
      },
      { additionalProperties: false },
    ),
    reason: Type.String({ minLength: 1 }),
    /** What the action acted on, for example the decision an override overrode. */
    detail: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type AuditRecorded = Static<typeof AuditRecordedSchema>;
