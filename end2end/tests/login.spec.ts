import { test, expect } from '@playwright/test';
import { ADMIN_PASSWORD } from './session';

test('signing in, out, and the back button afterwards', async ({ page }) => {
  // A private page sends a visitor without a session to the sign-in page, remembering the target.
  const response = await page.goto('/rules');
  expect(response?.url()).toContain('/login?next=/rules');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  // The form is a lazily loaded chunk: it says when its own code runs.
  await expect(page.locator('.login-card')).toHaveAttribute('data-hydrated', 'true');
  await page.screenshot({ path: 'screenshots/login.png' });

  // A wrong password says so without saying which part was wrong.
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await page.screenshot({ path: 'screenshots/login-error.png' });

  // Enter submits; the visitor lands where they were going.
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Rules' })).toBeVisible();
  await expect(page).toHaveURL(/\/t\/1\/rules$/);
  await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');

  // The top bar names the team and the role; the user menu names the user and logs out.
  await expect(page.getByTestId('team-switcher')).toContainText('Platform');
  await expect(page.getByTestId('team-switcher')).toContainText('admin');
  await page.getByLabel('Account menu for admin').click();
  await page.screenshot({ path: 'screenshots/user-menu.png' });
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  // Going back shows nothing private: the page asks for a session again.
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Platform')).toHaveCount(0);
  const api = await page.request.get('/api/v1/auth/me');
  expect(api.status()).toBe(401);
});

test('too many attempts for one account are refused at once, saying when to try again', async ({ page }) => {
  await page.goto('/login');
  await expect(page.locator('.login-card')).toHaveAttribute('data-hydrated', 'true');
  // An account name no other test uses: its limit is its own.
  await page.getByLabel('Username').fill('e2e-nobody');
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.getByLabel('Password').fill(`wrong password ${attempt}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  }
  await page.getByLabel('Password').fill('wrong password 6');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    /^Too many sign-in attempts for this account or from this address\. Try again in \d+ s\.$/,
  );
  await page.screenshot({ path: 'screenshots/login-too-many.png' });
});
