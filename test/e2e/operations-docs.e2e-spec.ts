import type { AddressInfo } from 'node:net';
import { Browser, describeInBrowser, openBrowser } from '../browser/support/browser';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Swagger UI in a real Chromium under the service's real security headers: a CSP that blocked a
 * script, a style or the document fetch would show up as a console error or a page that never
 * renders its operations.
 */
describeInBrowser('Swagger UI at /docs in a browser', () => {
  let t: TestApp;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('should render every operation with no CSP refusal or script error', async () => {
    const { page } = browser;
    const response = await page.goto(`${baseUrl}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.opblock').first().waitFor();
    const operations = await page.locator('.opblock').count();
    expect(operations).toBeGreaterThan(20);
    await expectTitle(page, 'Experimentation service');
    expect(browser.problems).toEqual([]);
  });

  it('should call the API from "Try it out" (fetch back to this origin is allowed)', async () => {
    const { page } = browser;
    const health = page.locator('.opblock', { has: page.locator('[data-path="/health"]') }).first();
    await health.locator('.opblock-summary').click();
    await health.getByRole('button', { name: 'Try it out' }).click();
    await health.getByRole('button', { name: 'Execute' }).click();
    await health.locator('.live-responses-table tbody .response-col_status').first().waitFor();
    expect(await health.locator('.live-responses-table tbody .response-col_status').first().innerText()).toContain('200');
    expect(await health.locator('.live-responses-table .microlight').first().innerText()).toContain('"database": "up"');
    expect(browser.problems).toEqual([]);
  });
});

async function expectTitle(page: Browser['page'], title: string): Promise<void> {
  await page.locator('.info .title').first().waitFor();
  expect(await page.locator('.info .title').first().innerText()).toContain(title);
}
