import fastify from 'fastify';
import { registerSecurityHeaders, securityHeaders } from './http-security';

describe(securityHeaders.name, () => {
  const headers = securityHeaders();

  it('should set a CSP that allows only this origin and forbids framing', () => {
    const csp = headers['content-security-policy'];
    expect(csp).toEqual(expect.any(String));
    const directives = csp.split(';').map((directive) => directive.trim());
    expect(directives).toContain("default-src 'self'");
    expect(directives).toContain("frame-ancestors 'none'");
    // Plain HTTP inside a cluster must keep working (see HELMET_OPTIONS).
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('should deny framing, sniffing and referrers', () => {
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });

  it('should leave out HSTS and COEP', () => {
    expect(headers).not.toHaveProperty(['strict-transport-security']);
    expect(headers).not.toHaveProperty(['cross-origin-embedder-policy']);
  });

  it('should use lower-case header names only', () => {
    const names = Object.keys(headers);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toBe(name.toLowerCase());
  });

  it('should be frozen, so no request can change what the next one gets', () => {
    expect(Object.isFrozen(headers)).toBe(true);
  });

  it('should compute the same headers each time', () => {
    expect(securityHeaders()).toEqual(headers);
  });
});

describe(registerSecurityHeaders.name, () => {
  it('should put the headers on answers and on 404s', async () => {
    const app = fastify();
    registerSecurityHeaders(app);
    app.get('/ok', async () => ({ ok: true }));
    try {
      const expected = securityHeaders();
      for (const url of ['/ok', '/missing']) {
        const res = await app.inject({ method: 'GET', url });
        for (const [name, value] of Object.entries(expected)) expect(res.headers[name]).toBe(value);
      }
    } finally {
      await app.close();
    }
  });
});
