import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, asAdmin, asClient } from '../support/test-app';
import { Browser, DashboardApp, describeInBrowser, openBrowser, screenshot, startDashboardApp } from './support/browser';

/** Formats as the dashboard does (format.ts `pct(x, 2)`), to compare the page with the API's numbers. */
const pct2 = (x: number): string => `${(x * 100).toFixed(2)} %`;

async function assignAndConvert(app: DashboardApp, key: string, users: number): Promise<Record<string, number>> {
  const perVariant: Record<string, number> = {};
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < users; i++) {
    const userId = `user-${i}`;
    const res = await app.t.http.post(`/api/v1/experiments/${key}/assign`).set(asClient).send({ userId }).expect(200);
    const variant = res.body.variant.name as string;
    perVariant[variant] = (perVariant[variant] ?? 0) + 1;
    // control converts 10 % of its users, treatment 30 %: a clear winner at a few hundred users.
    if (i % 10 < (variant === 'treatment' ? 3 : 1)) events.push({ experiment: key, userId, eventName: 'purchase', eventId: `order-${i}` });
  }
  const batch = await app.t.http.post('/api/v1/events/batch').set(asClient).send({ events }).expect(200);
  expect(batch.body).toEqual({ accepted: events.length, duplicates: 0, rejected: [] });
  return perVariant;
}

function field(page: Page, id: string) {
  // The input and its error live in one `.field` box: "next to its field".
  return page.locator('.field', { has: page.locator(`#${id}`) });
}

describeInBrowser('Dashboard: experiments', () => {
  let app: DashboardApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startDashboardApp();
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.t.close();
  });

  afterEach(() => {
    // Nothing the page did may have thrown or been refused by the CSP.
    expect(browser.problems).toEqual([]);
  });

  describe('sign-in', () => {
    it('should ask for the admin token, refuse a wrong one and keep the right one for the session', async () => {
      const { page } = browser;
      await page.goto(app.baseUrl + '/experiments');
      await page.getByLabel('Admin token').fill('not-the-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectText(page.locator('#admin-token-error'), 'does not accept this token');
      await screenshot(page, 'sign-in');

      // Keyboard only: the token field has focus, Enter submits.
      await page.reload();
      await page.getByLabel('Admin token').waitFor();
      await page.keyboard.type(ADMIN_TOKEN);
      await page.keyboard.press('Enter');
      await page.getByText('No experiments yet.').waitFor();
      // A reload keeps the session (sessionStorage) and the client-side route.
      await page.reload();
      await page.getByRole('heading', { name: 'Experiments' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/experiments');
    });
  });

  describe('create, start and read results', () => {
    it('should create an experiment through the form, start it and show both variants with intervals and the winner', async () => {
      const { page } = browser;
      await page.getByRole('link', { name: 'New experiment' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Checkout button colour');
      await page.getByLabel('Hypothesis').fill('A green button increases purchases');
      await page.getByLabel('Metric 1 event name').fill('purchase');
      await expectText(page.locator('#weight-sum'), 'Sum of weights: 1 ✓');
      await screenshot(page, 'experiment-create');
      await page.getByRole('button', { name: 'Create experiment' }).click();

      await page.waitForURL('**/experiments/checkout-button-colour');
      await page.getByRole('heading', { name: /Checkout button colour/ }).waitFor();
      const lifecycle = page.getByRole('group', { name: 'Lifecycle' });
      // Draft: start is the only legal transition.
      expect(await lifecycle.getByRole('button').allTextContents()).toEqual(['Start']);

      await lifecycle.getByRole('button', { name: 'Start' }).click();
      await page.locator('h1 .badge', { hasText: 'running' }).waitFor();
      expect(await lifecycle.getByRole('button').allTextContents()).toEqual(['Pause', 'Complete']);
      await expectText(page.getByTestId('decision'), 'Not enough data yet');

      const split = await assignAndConvert(app, 'checkout-button-colour', 400);
      expect(Object.keys(split).sort()).toEqual(['control', 'treatment']);

      await page.getByRole('button', { name: 'Refresh results' }).click();
      await expectText(page.getByTestId('decision'), 'Winner: treatment');

      const results = (await app.t.http.get('/api/v1/experiments/checkout-button-colour/results').set(asAdmin).expect(200)).body;
      expect(results.decision).toBe('winner');
      expect(results.winner).toBe('treatment');
      await expectText(page.locator('.recommendation'), results.recommendation);

      const purchase = results.metrics.find((m: { name: string }) => m.name === 'purchase');
      const metric = page.locator('[data-metric="purchase"]');
      for (const variant of purchase.variants as Array<{ name: string; users: number; rate: number; ci: [number, number] }>) {
        expect(variant.users).toBe(split[variant.name]);
        const cells = await metric.locator(`tr[data-variant="${variant.name}"] td`).allTextContents();
        expect(cells[0]).toBe(String(variant.users));
        expect(cells[2]).toBe(pct2(variant.rate));
        expect(cells[3]).toBe(`${pct2(variant.ci[0])} – ${pct2(variant.ci[1])}`);
      }
      const treatmentCells = await metric.locator('tr[data-variant="treatment"] td').allTextContents();
      expect(treatmentCells[4]).toMatch(/^\+\d+\.\d %$/);
      expect(treatmentCells.at(-1)).toBe('yes, better');

      // Both forest plots: two variants with error bars, one lift with its interval.
      const plots = metric.locator('.interval-plot svg');
      expect(await plots.count()).toBe(2);
      expect(await plots.nth(0).locator('g.row').count()).toBe(2);
      expect(await plots.nth(0).locator('line.whisker').count()).toBe(6);
      expect(await plots.nth(1).locator('g.row').count()).toBe(1);
      await expectText(page.locator('.progress-label').first(), `of ${results.sampleSize.minimumPerVariant} users per variant ✓`);
      await page.locator('.chart .uplot canvas').waitFor();
      await screenshot(page, 'experiment-results');

      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await screenshot(page, 'experiment-results-phone');
      await page.setViewportSize({ width: 1280, height: 800 });
    }, 120_000);

    it('should follow a change made elsewhere without a reload (live stream)', async () => {
      const { page } = browser;
      await page.evaluate('window.__sameDocument = true');
      await app.t.http.post('/api/v1/experiments/checkout-button-colour/pause').set(asAdmin).expect(200);
      await page.locator('h1 .badge', { hasText: 'paused' }).waitFor();
      expect(await page.getByRole('group', { name: 'Lifecycle' }).getByRole('button').allTextContents()).toEqual(['Resume', 'Complete']);
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
    });

    it('should list experiments with a working status filter', async () => {
      const { page } = browser;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
      await page.getByRole('link', { name: 'Checkout button colour' }).waitFor();
      await page.getByLabel('Status').selectOption('draft');
      await page.getByText('No draft experiments.').waitFor();
      await page.getByLabel('Status').selectOption('paused');
      await page.getByRole('link', { name: 'Checkout button colour' }).waitFor();
      expect(new URL(page.url()).search).toBe('?status=paused');
      await page.getByLabel('Status').selectOption('');
      await screenshot(page, 'experiments-list');
    });
  });

  describe('complete', () => {
    it('should complete the experiment with the winner chosen on its page and offer no further transition', async () => {
      const { page } = browser;
      await page.getByRole('link', { name: 'Checkout button colour' }).click();
      await page.getByLabel('Winner on complete').selectOption('treatment');
      // Keyboard: focus the button and press Enter.
      await page.getByRole('button', { name: 'Complete' }).focus();
      await page.keyboard.press('Enter');
      await page.locator('h1 .badge', { hasText: 'completed' }).waitFor();
      await page.locator('.banner-success', { hasText: 'Winner: treatment' }).first().waitFor();
      expect(await page.getByRole('group', { name: 'Lifecycle' }).count()).toBe(0);
      const stored = (await app.t.http.get('/api/v1/experiments/checkout-button-colour').set(asAdmin).expect(200)).body;
      expect(stored).toMatchObject({ status: 'completed', winner: 'treatment' });
    });
  });

  describe('form validation', () => {
    it('should show each API validation problem next to its field and create nothing until it is fixed', async () => {
      const { page } = browser;
      const before = (await app.t.http.get('/api/v1/experiments').set(asAdmin).expect(200)).body.total;
      await page.goto(app.baseUrl + '/experiments/new');
      await page.getByLabel('Name', { exact: true }).fill('Pricing page');
      await page.getByLabel('Key (optional)').fill('Bad Key!');
      await page.getByLabel('Metric 1 event name').fill('signup');
      await page.locator('#f-variants-1-weight').fill('0.6');
      await expectText(page.locator('#weight-sum'), 'Sum of weights: 1.1 — must be exactly 1');

      await page.getByRole('button', { name: 'Create experiment' }).click();
      await expectText(field(page, 'f-key').locator('.field-error'), 'must match ^[a-z0-9][a-z0-9._-]{0,63}$');
      expect(await page.locator('#f-key').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#f-key').getAttribute('aria-describedby')).toContain('f-key-error');
      await expectText(page.locator('.banner-error').first(), 'Please correct the highlighted fields.');
      await screenshot(page, 'experiment-create-validation');

      // Fixed key: the next problem is the weights, shown at the variants group.
      await page.getByLabel('Key (optional)').fill('pricing-page');
      await page.getByRole('button', { name: 'Create experiment' }).click();
      await expectText(page.locator('#f-variants-error'), 'weights must sum to 1');
      expect(await page.locator('#f-key-error').count()).toBe(0);

      // A config that is not a JSON object is caught before sending.
      await page.locator('#f-variants-1-weight').fill('0.5');
      await page.locator('#f-variants-0-config').fill('{not json');
      await page.getByRole('button', { name: 'Create experiment' }).click();
      await expectText(field(page, 'f-variants-0-config').locator('.field-error'), 'must be a JSON object');
      expect((await app.t.http.get('/api/v1/experiments').set(asAdmin).expect(200)).body.total).toBe(before);

      await page.locator('#f-variants-0-config').fill('{"color": "blue"}');
      await page.getByRole('button', { name: 'Create experiment' }).click();
      await page.waitForURL('**/experiments/pricing-page');
      expect((await app.t.http.get('/api/v1/experiments').set(asAdmin).expect(200)).body.total).toBe(before + 1);
    });

    it('should pin a name conflict (409) to the name field', async () => {
      const { page } = browser;
      await page.goto(app.baseUrl + '/experiments/new');
      await page.getByLabel('Name', { exact: true }).fill('Checkout button colour');
      await page.getByLabel('Key (optional)').fill('another-key');
      await page.getByLabel('Metric 1 event name').fill('purchase');
      await page.getByRole('button', { name: 'Create experiment' }).click();
      await expectText(field(page, 'f-name').locator('.field-error'), 'already taken');
    });
  });
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: 15_000 });
  expect(await locator.first().textContent()).toContain(text);
}
