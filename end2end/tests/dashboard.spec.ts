import { test, expect } from '@playwright/test';
import { loginAs } from './session';

test.beforeEach(async ({ page }) => {
  await loginAs(page.request);
});

test.describe('dashboard', () => {
  test('renders on the server: content is there with JavaScript disabled', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    await loginAs(context.request);
    const page = await context.newPage();
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);

    await expect(page).toHaveTitle('Dashboard · Signalbox');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    const storage = page.getByRole('region', { name: 'Storage' });
    await expect(storage).toContainText('WAL journal');
    await expect(storage).toContainText('HEALTHY');
    await expect(page.getByRole('region', { name: 'Instance' })).toContainText(/\d+\.\d+\.\d+/);
    await expect(page.getByTestId('checked-at')).toHaveText(/\d\d:\d\d:\d\d\.\d{3} UTC/);
    // Nothing on the page waits for the browser: no skeletons in server-rendered HTML.
    await expect(page.locator('.loading-panel')).toHaveCount(0);
    await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'false');
    await page.screenshot({ path: 'screenshots/dashboard-no-js.png', fullPage: true });
    await context.close();
  });

  test('hydrates: Refresh fetches fresh data in the browser', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');

    const checkedAt = page.getByTestId('checked-at');
    const before = await checkedAt.innerText();
    const apiCall = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/system' && r.status() === 200);
    await page.getByTestId('refresh-system').click();
    await apiCall;
    await expect(checkedAt).not.toHaveText(before);
    await expect(page.getByTestId('refresh-system')).toHaveText('Refresh');
    await page.screenshot({ path: 'screenshots/dashboard.png', fullPage: true });
  });

  test('navigation collapses to icons and expands again', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');
    const toggle = page.getByRole('button', { name: 'Collapse navigation' });
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await toggle.click();
    await expect(page.locator('.app-frame')).toHaveClass(/nav-collapsed/);
    const expand = page.getByRole('button', { name: 'Expand navigation' });
    await expect(expand).toHaveAttribute('aria-expanded', 'false');
    // Labels leave the layout but stay reachable by name.
    await expect(page.getByRole('link', { name: 'Rules' })).toBeVisible();
    await page.screenshot({ path: 'screenshots/dashboard-collapsed.png' });
    await expand.click();
    await expect(page.locator('.app-frame')).not.toHaveClass(/nav-collapsed/);
  });

  test('dark theme follows the system preference', async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1360, height: 860 } });
    await loginAs(context.request);
    const page = await context.newPage();
    await page.goto('/');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(13, 16, 20)');
    await page.screenshot({ path: 'screenshots/dashboard-dark.png', fullPage: true });
    await context.close();
  });
});
