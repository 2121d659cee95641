/** Why a webhook request was refused (HTTP maps these once, in the gateway's error filter). */
export type WebhookErrorCode =
  'WEBHOOK_NOT_FOUND' | 'WEBHOOK_URL_INVALID' | 'WEBHOOK_URL_NOT_ALLOWED' | 'WEBHOOK_URL_UNRESOLVABLE';

/** Errors of the webhooks context: a code, a message safe to show, and safe metadata (the field at fault). */
export class WebhookError extends Error {
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    readonly meta: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
