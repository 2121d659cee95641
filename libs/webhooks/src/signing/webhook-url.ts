import { assertUnreachable } from '#soma/contracts';
import { EgressError, type AddressGuard, type EgressErrorCode } from '#soma/platform';
import { WebhookError, type WebhookErrorCode } from '../webhooks.errors.js';

function codeOf(code: EgressErrorCode): WebhookErrorCode {
  switch (code) {
    case 'EGRESS_URL_INVALID':
      return 'WEBHOOK_URL_INVALID';
    case 'EGRESS_ADDRESS_REFUSED':
      return 'WEBHOOK_URL_NOT_ALLOWED';
    case 'EGRESS_UNRESOLVABLE':
      return 'WEBHOOK_URL_UNRESOLVABLE';
    default:
      return assertUnreachable(code);
  }
}

/** A webhook URL must pass the egress guard when it is registered (and again at every delivery). */
export async function checkWebhookUrl(guard: AddressGuard, url: string): Promise<void> {
  try {
    await guard.resolve(url);
  } catch (error) {
    if (!(error instanceof EgressError)) throw error;
    throw new WebhookError(codeOf(error.code), `url: ${error.message}`, {
      field: 'url',
      ...(typeof error.meta.reason === 'string' ? { reason: error.meta.reason } : {}),
    });
  }
}
