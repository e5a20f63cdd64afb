import { test, expect, APIRequestContext, Page } from '@playwright/test';
import { loginAs } from './session';

/** Waits until the page's own code responds. */
async function hydrated(page: Page) {
  await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
}

/** As the first administrator: a second team, a user who is viewer of Platform and operator of
 *  the new team (with their own password), and a topic in Platform that only Platform has. */
async function twoTeams(request: APIRequestContext, suffix: string) {
  const admin = await loginAs(request);
  const headers = { 'x-csrf-token': admin.csrf_token };
  const team = await (await request.post('/api/v1/teams', { headers, data: { name: `Payments ${suffix}` } })).json();
  const username = `tess-${suffix}`;
  const user = await (
    await request.post('/api/v1/users', { headers, data: { username, password: 'tess first password' } })
  ).json();
  for (const [id, role] of [[1, 'viewer'], [team.id, 'operator']] as const) {
    const member = await request.put(`/api/v1/teams/${id}/members/${user.id}`, { headers, data: { role } });
    expect(member.status()).toBe(200);
  }
  const connections = await (await request.get('/api/v1/teams/1/connections')).json();
  const scope = `/api/v1/teams/1/connections/${connections[0].id}`;
  const compartments = await (await request.get(`${scope}/compartments`)).json();
  const topic = await request.post(`${scope}/topics`, {
    headers,
    data: { compartment_id: compartments[0].id, name: `platform-${suffix}`, description: 'Only in Platform' },
  });
  expect(topic.status()).toBe(200);
  return { team: team.id as number, username };
}

/** Signs `username` in through the API and sets their own password, as a new colleague would. */
async function signIn(request: APIRequestContext, username: string) {
  const first = await loginAs(request, username, 'tess first password');
  const changed = await request.post('/api/v1/auth/password', {
    headers: { 'x-csrf-token': first.csrf_token },
    data: { current_password: 'tess first password', new_password: 'tess own password 1' },
  });
  expect(changed.status()).toBe(204);
  await loginAs(request, username, 'tess own password 1');
}

test('a user in two teams switches between them: each team its own topics, viewer in one and operator in the other; links and the back button keep their team', async ({ page, browser }) => {
  test.setTimeout(60_000);
  const suffix = Date.now().toString(36);
  const { team: payments, username } = await twoTeams(page.request, suffix);
  const context = await browser.newContext();
  const tess = await context.newPage();
  await signIn(context.request, username);

  // No team chosen yet: the first of hers by name, Payments, where she is an operator.
  await tess.goto('/topics');
  await expect(tess).toHaveURL(new RegExp(`/t/${payments}/topics`));
  await hydrated(tess);
  const switcher = tess.getByTestId('team-switcher');
  await expect(switcher.locator('summary')).toContainText(`Payments ${suffix}`);
  await expect(switcher.locator('summary')).toContainText('operator');
  const form = tess.getByRole('form', { name: 'Create a topic' });
  await form.getByLabel('Topic name').fill(`payments-${suffix}`);
  await form.getByRole('button', { name: 'Create topic' }).click();
  const topics = tess.getByRole('table', { name: 'Topics' });
  await expect(topics.getByRole('row', { name: new RegExp(`payments-${suffix}`) })).toContainText('ACTIVE');
  await expect(topics).not.toContainText(`platform-${suffix}`);
  const paymentsLink = tess.url();

  // The switcher, by keyboard: Platform, where she only reads.
  await switcher.locator('summary').focus();
  await tess.keyboard.press('Enter');
  await expect(switcher.getByRole('link', { name: /Platform/ })).toBeVisible();
  await tess.screenshot({ path: 'screenshots/team-switcher.png' });
  await switcher.getByRole('link', { name: /Platform/ }).click();
  await expect(tess).toHaveURL(/\/t\/1\/topics$/);
  await hydrated(tess);
  await expect(switcher.locator('summary')).toContainText('Platform');
  await expect(switcher.locator('summary')).toContainText('viewer');
  await expect(topics.getByRole('row', { name: new RegExp(`platform-${suffix}`) })).toBeVisible();
  await expect(topics).not.toContainText(`payments-${suffix}`);
  await expect(tess.getByRole('form', { name: 'Create a topic' })).toHaveCount(0);
  await expect(topics.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(topics.getByRole('button', { name: /^Publish a test message/ })).toHaveCount(0);
  await tess.screenshot({ path: 'screenshots/team-viewer.png', fullPage: true });

  // The navigation stays in the team she chose, and the choice is remembered.
  await tess.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
  await expect(tess).toHaveURL(/\/t\/1\/rules/);
  await tess.goto('/inboxes');
  await expect(tess).toHaveURL(/\/t\/1\/inboxes/);

  // A link copied from Payments opens in Payments, in a new tab, although she works in Platform.
  const other = await context.newPage();
  await other.goto(paymentsLink);
  await hydrated(other);
  await expect(other.getByTestId('team-switcher').locator('summary')).toContainText(`Payments ${suffix}`);
  await expect(other.getByRole('table', { name: 'Topics' })).toContainText(`payments-${suffix}`);
  await expect(other.getByRole('form', { name: 'Create a topic' })).toBeVisible();

  // Back from Platform: the Payments page again, as it was.
  await tess.goto('/t/1/topics');
  await hydrated(tess);
  await tess.goBack();
  await expect(tess).toHaveURL(/\/t\/1\/inboxes/);
  await tess.goto(paymentsLink);
  await tess.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
  await expect(tess).toHaveURL(new RegExp(`/t/${payments}/rules`));
  await switcher.locator('summary').click();
  await switcher.getByRole('link', { name: /Platform/ }).click();
  await expect(tess).toHaveURL(/\/t\/1\/rules$/);
  await tess.goBack();
  await expect(tess).toHaveURL(new RegExp(`/t/${payments}/rules`));
  await hydrated(tess);
  await expect(switcher.locator('summary')).toContainText(`Payments ${suffix}`);
  await tess.goBack();
  await expect(tess).toHaveURL(paymentsLink);
  await hydrated(tess);
  await expect(tess.getByRole('table', { name: 'Topics' })).toContainText(`payments-${suffix}`);
  await expect(tess.getByRole('form', { name: 'Create a topic' })).toBeVisible();

  // A team she is not in: said so, with the way to the team she last worked in.
  await other.goto('/t/999999/topics');
  await expect(other.getByRole('heading', { name: 'You are not a member of this team' })).toBeVisible();
  await other.getByRole('link', { name: 'Open in my team' }).click();
  await expect(other).toHaveURL(new RegExp(`/t/${payments}/topics`));
  await context.close();
});
