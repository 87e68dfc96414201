import { ConfigError, loadConfig } from './app-config';

const STRONG = 'b3c1f0e29d7a4c58a6e1f2d3c4b5a697';
const STRONG_CLIENT = '7f6e5d4c3b2a19087f6e5d4c3b2a1908';

describe('loadConfig: tokens in production (issue 13 item 6)', () => {
  const production = (env: Record<string, string>) => () => loadConfig({ NODE_ENV: 'production', ...env });

  it('accepts long random tokens', () => {
    const config = loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: STRONG, CLIENT_TOKENS: `${STRONG_CLIENT},${STRONG}` });
    expect(config.adminToken).toBe(STRONG);
    expect(config.clientTokens).toEqual([STRONG_CLIENT, STRONG]);
    expect(config.host).toBe('0.0.0.0');
  });

  it.each([
    ['the old compose default', 'dev-admin-token-change-me'],
    ['a long change-me', 'please-change-me-before-going-live-0123456789'],
    ['changeme', 'CHANGEME0123456789abcdef0123456789abcdef'],
    ['example', 'example-token-0123456789abcdef0123456789'],
    ['placeholder', 'placeholder0123456789abcdef0123456789abcd'],
    ['dev-', 'dev-0123456789abcdef0123456789abcdef0123'],
  ])('refuses a placeholder ADMIN_TOKEN (%s) with one clear line', (_name, token) => {
    expect(production({ ADMIN_TOKEN: token })).toThrow(ConfigError);
    expect(production({ ADMIN_TOKEN: token })).toThrow(
      /^ADMIN_TOKEN looks like a placeholder \(it contains "[^"]+"\): refusing it when NODE_ENV=production/,
    );
  });

  it('refuses a placeholder among the client tokens', () => {
    expect(production({ ADMIN_TOKEN: STRONG, CLIENT_TOKENS: `${STRONG_CLIENT},dev-client-token-change-me` })).toThrow(
      /^CLIENT_TOKENS looks like a placeholder/,
    );
  });

  it('refuses tokens shorter than 32 characters, and accepts exactly 32', () => {
    expect(production({ ADMIN_TOKEN: STRONG.slice(0, 31) })).toThrow(
      /^ADMIN_TOKEN tokens must be at least 32 characters long when NODE_ENV=production \(got 31\)/,
    );
    expect(production({ ADMIN_TOKEN: STRONG, CLIENT_TOKENS: 'short-client-token-abc' })).toThrow(
      /^CLIENT_TOKENS tokens must be at least 32/,
    );
    expect(production({ ADMIN_TOKEN: STRONG.slice(0, 32) })()).toMatchObject({ adminToken: STRONG.slice(0, 32) });
  });

  it('keeps short tokens usable outside production (at least 8 characters)', () => {
    expect(loadConfig({ ADMIN_TOKEN: 'dev-admin-token-change-me' }).adminToken).toBe('dev-admin-token-change-me');
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/at least 8 characters/);
  });
});

describe('loadConfig: where it listens', () => {
  it('listens on 127.0.0.1 in open mode (no token, not production)', () => {
    expect(loadConfig({})).toMatchObject({ openMode: true, host: '127.0.0.1' });
  });

  it('listens where HOST says, when it is set explicitly, even in open mode', () => {
    expect(loadConfig({ HOST: '0.0.0.0' })).toMatchObject({ openMode: true, host: '0.0.0.0' });
  });

  it('listens on every interface once a token protects it', () => {
    expect(loadConfig({ ADMIN_TOKEN: 'admin-token-for-tests' })).toMatchObject({ openMode: false, host: '0.0.0.0' });
    expect(loadConfig({ CLIENT_TOKENS: 'client-token-for-tests' })).toMatchObject({ openMode: false, host: '0.0.0.0' });
  });
});

describe('loadConfig: ROLLOUT_TICK_SECONDS', () => {
  it('accepts 1 to 3600 seconds, 60 by default', () => {
    expect(loadConfig({}).rolloutTickSeconds).toBe(60);
    expect(loadConfig({ ROLLOUT_TICK_SECONDS: '1' }).rolloutTickSeconds).toBe(1);
    expect(loadConfig({ ROLLOUT_TICK_SECONDS: '3600' }).rolloutTickSeconds).toBe(3600);
  });

  it.each(['0', '0.001', '3601', '1e9', '-5', 'soon'])('refuses %s with one clear line', (value) => {
    expect(() => loadConfig({ ROLLOUT_TICK_SECONDS: value })).toThrow(
      new ConfigError(`ROLLOUT_TICK_SECONDS must be an integer from 1 to 3600, got "${value}"`),
    );
  });
});
