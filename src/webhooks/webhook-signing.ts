import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SECRET_PREFIX = 'whsec_';
/** Standard Webhooks asks for 24–64 bytes; 32 is what most senders use. */
const SECRET_BYTES = 32;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256>` per secret, space-separated, so a
 * receiver that still has the previous secret (during a rotation) verifies as well as one that
 * already has the new one. `standardwebhooks` computes the HMAC exactly as its verifier does.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' ');
}
