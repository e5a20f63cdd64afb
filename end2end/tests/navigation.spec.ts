import { test, expect } from '@playwright/test';
import { loginAs } from './session';

test.beforeEach(async ({ page }) => {
  await loginAs(page.request);
});

const sections = ['Pipelines', 'Health', 'Rules', 'Topics', 'Inboxes', 'Audit', 'Sandbox', 'Settings'];

test('every navigation entry opens its page on the client side', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of sections) {
    await nav.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page).toHaveTitle(`${name} · Signalbox`);
    // The entry in the navigation (a page may link elsewhere with the same word, "Cloud audit").
    await expect(nav.getByRole('link', { name })).toHaveAttribute('aria-current', 'page');
  }
  await page.screenshot({ path: 'screenshots/section.png' });
});

test('unknown pages answer 404 with a way back', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/not-found.png' });
  await page.getByRole('link', { name: 'Go to the dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
});

test('keyboard users can skip to the content', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});
