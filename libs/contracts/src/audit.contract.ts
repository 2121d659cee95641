import { Type, type Static } from '@sinclair/typebox';

/** audit.events: an admin action, as also written to the append-only audit_events table. */
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
