import type { Page } from 'playwright-core';
import { asAdmin, asClient } from '../support/test-app';
import { Browser, DashboardApp, describeInBrowser, openBrowser, screenshot, signIn, startDashboardApp } from './support/browser';

const HEALTHY = { requests: 400, errors: 2, latencyP95Ms: 120, labeled: 100, correct: 90 };
// 30 % errors against maxErrorRate 0.05: the scheduler must roll back at its next tick.
const UNHEALTHY = { requests: 400, errors: 120, latencyP95Ms: 130, labeled: 100, correct: 88 };

async function waitForText(page: Page, selector: string, text: string, timeout = 20_000): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout });
}

async function rolloutActions(page: Page): Promise<string[]> {
  return page.getByRole('group', { name: 'Rollout actions' }).getByRole('button').allTextContents();
}

describeInBrowser('Dashboard: rollouts and alerts', () => {
  let app: DashboardApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startDashboardApp({ ROLLOUT_TICK_SECONDS: '1' });
    browser = await openBrowser();
    await signIn(browser.page, app.baseUrl, '/rollouts');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.t.close();
  });

  afterEach(() => {
    expect(browser.problems).toEqual([]);
  });

  describe('staged rollout', () => {
    let rolloutId: string;

    it('should create a rollout with the stage editor, showing a stage problem next to its field first', async () => {
      const { page } = browser;
      await page.getByText('No rollouts yet.').waitFor();
      await page.getByRole('link', { name: 'New rollout' }).click();
      await page.getByLabel('Name', { exact: true }).fill('ranker-v2');
      await page.getByLabel('New model version').fill('v2.0.0');
      await page.getByLabel('Baseline model version (optional)').fill('v1.4.2');
      await page.getByRole('button', { name: 'Remove stage 5' }).click();
      await page.getByRole('button', { name: 'Remove stage 4' }).click();
      await page.getByLabel('Stage 1 percentage').fill('25');
      await page.locator('#f-schedule-stages-0-durationHours').fill('0.0005');
      await page.getByLabel('Stage 2 percentage').fill('20');
      await page.locator('#f-schedule-stages-1-durationHours').fill('1');
      await page.getByLabel('Stage 3 percentage').fill('100');
      await page.locator('#f-schedule-stages-2-durationHours').fill('1');

      await page.getByRole('button', { name: 'Create rollout' }).click();
      const stage2 = page.locator('.field', { has: page.locator('#f-schedule-stages-1-percentage') });
      await waitForText(page, '#f-schedule-stages-1-percentage-error', "must be greater than the previous stage's 25");
      expect(await stage2.locator('.field-error').textContent()).toBe("must be greater than the previous stage's 25");
      expect((await app.t.http.get('/api/v1/rollouts').set(asAdmin).expect(200)).body.total).toBe(0);

      await page.getByLabel('Stage 2 percentage').fill('50');
      await screenshot(page, 'rollout-create');
      await page.getByRole('button', { name: 'Create rollout' }).click();
      await page.waitForURL(/\/rollouts\/[0-9a-f-]{36}$/);
      rolloutId = page.url().split('/').pop() as string;
      await page.locator('h1 .badge', { hasText: 'draft' }).waitFor();
      expect(await rolloutActions(page)).toEqual(['Start']);
      expect(await page.locator('.timeline .stage-upcoming').count()).toBe(3);

      const stored = (await app.t.http.get(`/api/v1/rollouts/${rolloutId}`).set(asAdmin).expect(200)).body;
      expect(stored.schedule.stages).toEqual([
        { percentage: 25, durationHours: 0.0005 },
        { percentage: 50, durationHours: 1 },
        { percentage: 100, durationHours: 1 },
      ]);
      expect(stored.healthThresholds).toEqual({ maxErrorRate: 0.05, maxLatencyMs: 200, minAccuracy: 0.75, minRequests: 100 });
    });

    it('should move to the next stage on the open page without a reload', async () => {
      const { page } = browser;
      await page.getByRole('group', { name: 'Rollout actions' }).getByRole('button', { name: 'Start' }).click();
      await page.locator('h1 .badge', { hasText: 'running' }).waitFor();
      await waitForText(page, '[data-testid="current-percentage"]', '25 %');
      expect(await rolloutActions(page)).toEqual(['Pause', 'Promote to 100 %', 'Roll back']);
      await page.evaluate('window.__sameDocument = true');

      await app.t.http.post(`/api/v1/rollouts/${rolloutId}/health`).set(asClient).send(HEALTHY).expect(202);
      // Stage 1 lasts 1.8 s; the scheduler ticks every second and the stream pushes the change.
      await waitForText(page, '[data-testid="current-percentage"]', '50 %');
      await page.locator('.timeline .stage-done', { hasText: '25 %' }).waitFor();
      await page.locator('.timeline .stage-current', { hasText: '50 %' }).waitFor();
      await waitForText(page, '.timeline .stage-current', 'left of 1 h 00 min');
      await waitForText(page, '[data-testid="rollout-history"] tr', 'advanced');
      expect(await page.evaluate('window.__sameDocument')).toBe(true);
      await screenshot(page, 'rollout-advanced');
    });

    it('should show the automatic rollback, the failed check, the alert badge and the history entry live', async () => {
      const { page } = browser;
      expect(await page.getByTestId('alert-badge').textContent()).toBe('0');
      await app.t.http.post(`/api/v1/rollouts/${rolloutId}/health`).set(asClient).send(UNHEALTHY).expect(202);

      await page.locator('.banner-error', { hasText: 'Rolled back' }).waitFor({ timeout: 20_000 });
      await waitForText(page, '[data-testid="alert-badge"]', '1');
      await waitForText(page, '[data-testid="current-percentage"]', '0 %');
      await waitForText(page, '[data-testid="rollout-history"] tr', 'rolled back');
      await waitForText(page, '[data-testid="rollout-history"] tr', 'health failed');
      await waitForText(page, '[data-testid="health-verdict"]', 'Unhealthy');
      await page.locator('tr.check-fail', { hasText: 'Error rate' }).waitFor();
      expect(await page.locator('tr.check-fail').count()).toBe(1);
      await page.locator('.timeline .stage-failed', { hasText: '50 %' }).waitFor();
      await page.locator('.critical-banner').waitFor();
      expect(await rolloutActions(page)).toEqual(['Start']);
      expect(await page.evaluate('window.__sameDocument')).toBe(true);

      const stored = (await app.t.http.get(`/api/v1/rollouts/${rolloutId}`).set(asAdmin).expect(200)).body;
      expect(stored.status).toBe('rolled_back');
      expect(await page.locator('.banner-error', { hasText: 'Rolled back' }).textContent()).toContain(stored.rollbackReason);
      await screenshot(page, 'rollout-rolled-back');
    });

    it('should list the alert and let it be acknowledged and resolved', async () => {
      const { page } = browser;
      await page.getByTestId('alerts-link').click();
      const item = page.locator('.alert-item').first();
      await item.waitFor();
      expect(await page.locator('.alert-item').count()).toBe(1);
      const alerts = (await app.t.http.get('/api/v1/alerts?status=open').set(asAdmin).expect(200)).body;
      expect(alerts.total).toBe(1);
      expect(await item.textContent()).toContain(alerts.items[0].message);
      await screenshot(page, 'alerts');

      await item.getByRole('button', { name: 'Acknowledge' }).click();
      await waitForText(page, '[data-testid="alert-badge"]', '0');
      await page.getByText('No open alerts.').waitFor();
      await page.getByLabel('Status').selectOption('acknowledged');
      await page.locator('.alert-item .badge', { hasText: 'acknowledged' }).waitFor();
      await page.locator('.alert-item').first().getByRole('button', { name: 'Resolve' }).click();
      await page.getByText('No acknowledged alerts.').waitFor();
      expect((await app.t.http.get(`/api/v1/alerts/${alerts.items[0].id}`).set(asAdmin).expect(200)).body.status).toBe('resolved');
    });
  });

  describe('manual controls', () => {
    it('should set a manual percentage, reject an invalid one next to its field, pause, resume and promote', async () => {
      const { page } = browser;
      const created = await app.t.http
        .post('/api/v1/rollouts')
        .set(asAdmin)
        .send({
          name: 'search-v3',
          modelVersion: 'v3.0.0',
          schedule: {
            stages: [
              { percentage: 10, durationHours: 2 },
              { percentage: 100, durationHours: 2 },
            ],
          },
        })
        .expect(201);
      await app.t.http.post(`/api/v1/rollouts/${created.body.id}/start`).set(asAdmin).expect(200);
      await page.goto(`${app.baseUrl}/rollouts/${created.body.id}`);
      await waitForText(page, '[data-testid="current-percentage"]', '10 %');

      await page.getByLabel('Set percentage manually (0–100)').fill('150');
      await page.getByRole('button', { name: 'Set percentage' }).click();
      await waitForText(page, '#f-percentage-error', 'must not be greater than 100');

      await page.getByLabel('Set percentage manually (0–100)').fill('12.5');
      await page.getByLabel('Reason (optional, kept in the history)').fill('hold over the weekend');
      await page.getByRole('button', { name: 'Set percentage' }).click();
      await waitForText(page, '[data-testid="current-percentage"]', '12.5 %');
      await waitForText(page, '[data-testid="rollout-history"] tr', 'hold over the weekend');
      expect(await page.locator('#f-percentage-error').count()).toBe(0);

      await page.getByRole('button', { name: 'Pause' }).click();
      await page.locator('h1 .badge', { hasText: 'paused' }).waitFor();
      expect(await rolloutActions(page)).toEqual(['Resume', 'Promote to 100 %', 'Roll back']);
      await waitForText(page, '.timeline .stage-current', 'paused');
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.locator('h1 .badge', { hasText: 'running' }).waitFor();
      await page.getByRole('button', { name: 'Promote to 100 %' }).click();
      await page.locator('h1 .badge', { hasText: 'completed' }).waitFor();
      await waitForText(page, '[data-testid="current-percentage"]', '100 %');
      expect(await page.locator('.timeline .stage-done').count()).toBe(2);
      expect(await rolloutActions(page)).toEqual(['Roll back']);
      expect((await app.t.http.get(`/api/v1/rollouts/${created.body.id}`).set(asAdmin).expect(200)).body.status).toBe('completed');
    });

    it('should list rollouts with their status and traffic share, readable at phone width', async () => {
      const { page } = browser;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rollouts' }).click();
      await page.getByRole('link', { name: 'search-v3' }).waitFor();
      await page.getByRole('link', { name: 'ranker-v2' }).waitFor();
      await page.getByLabel('Status').selectOption('rolled_back');
      await page.getByRole('link', { name: 'ranker-v2' }).waitFor();
      expect(await page.getByRole('link', { name: 'search-v3' }).count()).toBe(0);
      await page.getByLabel('Status').selectOption('');
      await page.getByRole('link', { name: 'search-v3' }).waitFor();
      await screenshot(page, 'rollouts-list');

      await page.getByRole('link', { name: 'ranker-v2' }).click();
      await page.locator('h1', { hasText: 'ranker-v2' }).waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await screenshot(page, 'rollout-phone');
      await page.setViewportSize({ width: 1280, height: 800 });
    });
  });
});
