import { ConfigError, loadConfig } from '../config/app-config';

describe('webhook configuration', () => {
  it('should default to no secret, no private targets, a 1 s tick, a 10 s timeout and no public URL', () => {
    expect(loadConfig({})).toMatchObject({
      webhookSecret: null,
      webhookAllowPrivate: false,
      webhookTickSeconds: 1,
      webhookTimeoutSeconds: 10,
      publicUrl: null,
    });
  });

  it('should take valid values', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
    expect(
      loadConfig({
        WEBHOOK_SECRET: secret,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_TICK_SECONDS: '0.5',
        WEBHOOK_TIMEOUT_SECONDS: '3',
        PUBLIC_URL: 'https://experiments.example.com',
      }),
    ).toMatchObject({
      webhookSecret: secret,
      webhookAllowPrivate: true,
      webhookTickSeconds: 0.5,
      webhookTimeoutSeconds: 3,
      publicUrl: 'https://experiments.example.com',
    });
  });

  it.each([
    ['WEBHOOK_SECRET', 'hunter2', /WEBHOOK_SECRET must be whsec_ followed by the base64 of 24 to 64 random bytes/],
    ['WEBHOOK_SECRET', 'whsec_' + Buffer.alloc(16).toString('base64'), /24 to 64/],
    ['WEBHOOK_SECRET', 'whsec_not base64!', /WEBHOOK_SECRET/],
    ['WEBHOOK_ALLOW_PRIVATE', 'maybe', /WEBHOOK_ALLOW_PRIVATE must be true or false/],
    ['WEBHOOK_TICK_SECONDS', '0', /WEBHOOK_TICK_SECONDS must be a number > 0/],
    ['WEBHOOK_TICK_SECONDS', '100000', /WEBHOOK_TICK_SECONDS must be at most 3600 seconds/],
    ['WEBHOOK_TIMEOUT_SECONDS', '301', /WEBHOOK_TIMEOUT_SECONDS must be at most 300 seconds/],
    ['PUBLIC_URL', 'ftp://x', /PUBLIC_URL must use http: or https:/],
  ])('should refuse %s=%s at boot', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
