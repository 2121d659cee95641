import { type AddressGuard, EgressError, sendPinned } from '#soma/platform';
import { type DeliveryOutcome } from './delivery-plan.js';
import { type ClaimedDelivery } from './webhook-delivery.repository.js';
import { signatureHeader, SIGNATURE_HEADER } from '../signing/webhook-signature.js';

/** The headers of one attempt; the signature covers the timestamp and the exact body. */
export function webhookHeaders(delivery: ClaimedDelivery, secret: string, now = Date.now()) {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'SomaAgent-Webhooks/0.1',
    [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(now / 1000), delivery.body),
    'Soma-Event-Id': delivery.eventId,
    'Soma-Event-Type': delivery.eventType,
    'Soma-Delivery-Id': delivery.id,
    'Soma-Delivery-Attempt': String(delivery.attempts),
  };
}

/**
 * One attempt: the URL is checked again now (its name may have been rebound to an internal address since it
 * was registered) and the connection is pinned to the address checked. Never throws: every failure is an
 * outcome the retry plan decides on.
 */
export async function sendWebhook(
  guard: AddressGuard,
  delivery: ClaimedDelivery,
  secret: string,
  timeoutMs: number,
): Promise<DeliveryOutcome> {
  try {
    const target = await guard.resolve(delivery.url);
    const response = await sendPinned(target, {
      method: 'POST',
      headers: webhookHeaders(delivery, secret),
      body: delivery.body,
      timeoutMs,
      maxResponseBytes: 1024,
    });
    if (response.status >= 200 && response.status < 300) return { ok: true, statusCode: response.status };
    return { ok: false, statusCode: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    const detail =
      error instanceof EgressError
        ? `${error.code}: ${error.message}`
        : `${(error as { code?: string }).code ?? (error as Error).name}: ${(error as Error).message}`;
    return { ok: false, statusCode: null, error: detail.slice(0, 500) };
  }
}
