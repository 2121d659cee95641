import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '#soma/platform';
import { generateWebhookSecret, signatureHeader } from './webhook-signature.js';

describe('signatureHeader', () => {
  it('is the HMAC-SHA256 of "<t>.<body>" keyed with the secret, hex', () => {
    const body = '{"id":"e1","type":"turn.completed"}';
    const expected = createHmac('sha256', 'whsec_test').update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader('whsec_test', 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
    expect(signatureHeader('whsec_other', 1700000000, body)).not.toContain(expected);
    expect(signatureHeader('whsec_test', 1700000001, body)).not.toContain(expected);
  });
});

describe('SecretBox', () => {
  it('opens what it sealed, and nothing sealed with another key or altered', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const box = new SecretBox('key one');
    const sealed = box.seal(secret);
    expect(sealed.includes(Buffer.from(secret))).toBe(false);
    expect(box.open(sealed)).toBe(secret);
    expect(() => new SecretBox('key two').open(sealed)).toThrow();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => box.open(altered)).toThrow();
  });
});
