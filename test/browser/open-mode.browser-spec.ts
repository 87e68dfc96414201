import { describeInBrowser, openBrowser, screenshot, startDashboardApp, type Browser, type DashboardApp } from './support/browser';

describeInBrowser('Dashboard: open mode and deep links', () => {
  let app: DashboardApp;
  let browser: Browser;

  beforeAll(async () => {
    // Neither ADMIN_TOKEN nor CLIENT_TOKENS: the service runs open and the dashboard needs no sign-in.
    app = await startDashboardApp({ ADMIN_TOKEN: undefined, CLIENT_TOKENS: undefined });
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.t.close();
  });

  afterEach(() => {
    expect(browser.problems).toEqual([]);
  });

  it('should open without a sign-in box, say it runs open and connect the live stream', async () => {
    const { page } = browser;
    await page.goto(app.baseUrl + '/');
    await page.waitForURL('**/experiments');
    await page.getByText('No experiments yet.').waitFor();
    expect(await page.getByLabel('Admin token').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await page.getByText('open mode').waitFor();
    await page.locator('.live-live').waitFor();
  });

  it('should answer a reload of a client-side route with the app and explain an unknown id', async () => {
    const { page } = browser;
    await page.goto(app.baseUrl + '/rollouts/00000000-0000-4000-8000-000000000000');
    await page.getByText('Rollout not found').waitFor();
    await page.goto(app.baseUrl + '/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await screenshot(page, 'not-found');
  });

  it('should leave the service paths to the service: JSON 404 for unknown API paths, never the page', async () => {
    const api = await browser.page.request.get(app.baseUrl + '/api/v1/no-such-route');
    expect(api.status()).toBe(404);
    expect(await api.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'Cannot GET /api/v1/no-such-route',
    });
    const asset = await browser.page.request.get(app.baseUrl + '/assets/missing-123.js');
    expect(asset.status()).toBe(404);
    const health = await browser.page.request.get(app.baseUrl + '/health');
    expect((await health.json()).status).toBe('ok');
    const page = await browser.page.request.get(app.baseUrl + '/alerts?status=open');
    expect(page.status()).toBe(200);
    expect(page.headers()['content-type']).toContain('text/html');
    expect(page.headers()['cache-control']).toBe('no-cache');
    expect(page.headers()['content-security-policy']).toContain("script-src 'self'");
  });
});
