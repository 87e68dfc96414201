import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { Receiver } from '../e2e/webhooks-support';
import { asAdmin } from '../support/test-app';
import { Browser, DashboardApp, describeInBrowser, openBrowser, screenshot, signIn, startDashboardApp } from './support/browser';

describeInBrowser('Dashboard: webhooks', () => {
  let app: DashboardApp;
  let browser: Browser;
  let receiver: Receiver;
  let secret: string;
  let webhookId: string;

  beforeAll(async () => {
    receiver = await Receiver.start();
    // The sender ticks on its own here, as in production.
    app = await startDashboardApp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TICK_SECONDS: '0.2' });
    browser = await openBrowser();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
    await signIn(browser.page, app.baseUrl, '/experiments');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.t.close();
    await receiver?.close();
  });

  afterEach(() => {
    expect(browser.problems).toEqual([]);
  });

  it('should refuse a link-local URL next to the field, then create a webhook and show its secret once with a copy button', async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhooks yet').waitFor();

    const form = page.getByRole('form', { name: 'New webhook' });
    await form.getByLabel('URL', { exact: true }).fill('http://169.254.169.254/latest/meta-data');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await page.locator('#f-url-error').waitFor();
    expect(await page.locator('#f-url-error').textContent()).toContain('169.254.169.254 is a link-local address');
    expect((await app.t.http.get('/api/v1/webhooks').set(asAdmin).expect(200)).body.total).toBe(0);

    await form.getByLabel('URL', { exact: true }).fill(receiver.url());
    await form.getByLabel('Description (optional)').fill('ops receiver');
    await form.getByLabel('alert.raised').check();
    await form.getByRole('button', { name: 'Create webhook' }).click();

    const reveal = page.getByTestId('secret-reveal');
    await reveal.waitFor();
    secret = await reveal.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await reveal.getByRole('button', { name: 'Copy' }).click();
    await reveal.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await screenshot(page, 'webhooks-created');

    const [stored] = (await app.t.http.get('/api/v1/webhooks').set(asAdmin).expect(200)).body.items;
    expect(stored).toMatchObject({ url: receiver.url(), events: ['rollout.rolled_back', 'alert.raised'], description: 'ops receiver' });
    expect(stored).not.toHaveProperty('secret');
    webhookId = stored.id;

    await reveal.getByRole('button', { name: 'Done' }).click();
    await reveal.waitFor({ state: 'detached' });
    // Shown once: a reload does not bring it back.
    await page.reload();
    await page.getByRole('link', { name: 'ops receiver' }).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('should send a test, show its delivery with status and attempts, and redeliver a failed one', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'ops receiver' }).click();
    await page.waitForURL(new RegExp(`/webhooks/${webhookId}$`));
    await page.getByText('No deliveries yet.').waitFor();
    await page.getByRole('group', { name: 'Webhook actions' }).getByRole('button', { name: 'Send test' }).click();

    const row = page.getByTestId('deliveries').locator('tbody tr').first();
    await row.locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 20_000 });
    expect(await row.locator('td').nth(0).textContent()).toBe('webhook.test');
    expect(await row.locator('td').nth(2).textContent()).toBe('1');
    expect(await row.locator('td').nth(3).textContent()).toBe('HTTP 204');
    const deliveryId = await row.getAttribute('data-delivery-id');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([deliveryId]);
    // The secret the page showed is the one that signs.
    expect(new Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)).toMatchObject({ type: 'webhook.test' });

    // As if every attempt had failed (giving up takes a day of retries).
    await app.t.app
      .get(DataSource)
      .query(
        `UPDATE webhook_deliveries SET status = 'failed', attempts = 12, last_status_code = 500, last_error = 'HTTP 500: down', delivered_at = NULL WHERE id = $1`,
        [deliveryId],
      );
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row.locator('.badge', { hasText: 'failed' }).waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('12');
    expect(await row.locator('td').nth(3).textContent()).toBe('HTTP 500: down');
    await screenshot(page, 'webhooks-failed-delivery');

    await row.getByRole('button', { name: 'Redeliver' }).click();
    await row.locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 20_000 });
    expect(await row.locator('td').nth(2).textContent()).toBe('1');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([deliveryId, deliveryId]);
  });

  it('should rotate the secret, showing the new one once and when the old one stops signing', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const reveal = page.getByTestId('secret-reveal');
    await reveal.waitFor();
    const rotated = await reveal.getByLabel('Signing secret').inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByText('Previous secret', { exact: true }).waitFor();

    await page.getByRole('group', { name: 'Webhook actions' }).getByRole('button', { name: 'Send test' }).click();
    const rows = page.getByTestId('deliveries').locator('tbody tr');
    await rows.nth(1).waitFor();
    await rows.first().locator('.badge', { hasText: 'delivered' }).waitFor({ timeout: 20_000 });
    expect(receiver.received).toHaveLength(3);
    const last = receiver.received[receiver.received.length - 1];
    expect(new Webhook(rotated).verify(last.body, last.headers)).toMatchObject({ type: 'webhook.test' });
    expect(new Webhook(secret).verify(last.body, last.headers)).toMatchObject({ type: 'webhook.test' });
  });

  it('should delete after a confirmation', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await page.waitForURL(/\/webhooks$/);
    await page.getByText('No webhooks yet').waitFor();
    await app.t.http.get(`/api/v1/webhooks/${webhookId}`).set(asAdmin).expect(404);
  });
});
