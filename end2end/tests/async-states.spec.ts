import { test, expect } from '@playwright/test';
import { loginAs } from './session';

test.beforeEach(async ({ page }) => {
  await loginAs(page.request);
});

// The loading and error pattern every data page reuses (AsyncView): a skeleton while the first
// load is in flight, an error panel with the code and a retry when the API fails.

test('a client-side navigation shows the skeleton, then the data', async ({ page }) => {
  await page.goto('/t/1/rules');
  await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/v1/system?*', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const skeleton = page.locator('.loading-panel');
  await expect(skeleton).toBeVisible();
  await expect(skeleton).toHaveAttribute('aria-busy', 'true');
  await page.screenshot({ path: 'screenshots/dashboard-loading.png' });
  release();
  await expect(page.getByRole('region', { name: 'Storage' })).toBeVisible();
  await expect(skeleton).toHaveCount(0);
});

test('an API failure shows what happened and recovers on retry', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');
  await page.route('**/api/v1/system?*', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'unavailable', message: 'The database is not available right now. Try again in a moment.' }),
    }),
  );
  await page.getByTestId('refresh-system').click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Temporarily unavailable');
  await expect(alert).toContainText('The database is not available right now.');
  await expect(alert).toContainText('HTTP 503 · unavailable');
  await page.screenshot({ path: 'screenshots/dashboard-error.png' });

  await page.unroute('**/api/v1/system?*');
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('region', { name: 'Storage' })).toBeVisible();
  await expect(alert).toHaveCount(0);
});
