import { issueTicket, ticketKey, TICKET_TTL_MS, verifyTicket } from './stream-ticket';

describe('stream tickets', () => {
  const key = ticketKey('the-admin-token-of-this-deployment');
  const now = Date.UTC(2026, 11, 7, 6, 0, 0);

  it('should accept a fresh ticket until it expires, 60 s after issue', () => {
    const { ticket, expiresAt } = issueTicket(key, now);
    expect(expiresAt).toBe(new Date(now + TICKET_TTL_MS).toISOString());
    expect(verifyTicket(key, ticket, now)).toBe(true);
    expect(verifyTicket(key, ticket, now + TICKET_TTL_MS - 1)).toBe(true);
    expect(verifyTicket(key, ticket, now + TICKET_TTL_MS)).toBe(false);
  });

  it('should refuse tickets of another token, tampered, far-future or malformed ones', () => {
    const { ticket } = issueTicket(key, now);
    expect(verifyTicket(ticketKey('another-admin-token-entirely'), ticket, now)).toBe(false);
    const [expiry, mac] = ticket.split('.');
    expect(verifyTicket(key, `${Number(expiry) + 1000}.${mac}`, now)).toBe(false);
    expect(verifyTicket(key, issueTicket(key, now + 3_600_000).ticket, now)).toBe(false);
    for (const bad of [undefined, 42, '', 'x'.repeat(500), `${expiry}.`, `${expiry}.${mac}x`, 'the-admin-token-of-this-deployment']) {
      expect(verifyTicket(key, bad, now)).toBe(false);
    }
  });
});
