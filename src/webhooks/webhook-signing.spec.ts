import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateSecret, signatureHeader } from './webhook-signing';

describe('generateSecret', () => {
  it('should be whsec_ and the base64 of 32 random bytes, different every time', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe('signatureHeader', () => {
  const id = '5d3f0c1e-6a43-4c5e-9a59-2f1f0f7b1f00';
  const body = '{"type":"webhook.test","timestamp":"2026-11-23T10:00:00.000Z","data":{}}';

  it('should be v1,<base64 HMAC-SHA256(key, "id.timestamp.body")> with the base64-decoded key', () => {
    const secret = generateSecret();
    const at = new Date('2026-11-23T10:00:00.900Z');
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`${id}.${Math.floor(at.getTime() / 1000)}.${body}`)
      .digest('base64');
    expect(signatureHeader([secret], id, at, body)).toBe(`v1,${expected}`);
  });

  it('should verify with the standardwebhooks verifier under each of two secrets, and not under a third', () => {
    const [current, previous, other] = [generateSecret(), generateSecret(), generateSecret()];
    const now = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signatureHeader([current, previous], id, now, body),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(other).verify(body, headers)).toThrow('No matching signature found');
    expect(() => new Webhook(current).verify(body.replace('test', 'tost'), headers)).toThrow('No matching signature found');
  });
});
