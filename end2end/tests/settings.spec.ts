import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loginAs, teamId } from './session';

/** Waits until the WebAssembly has taken over the page. */
async function hydrated(page: Page) {
  await expect(page.locator('.app-frame')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
}

/** Creates an account from the Accounts section (site administrators). */
async function createAccount(page: Page, username: string, password: string) {
  const form = page.getByRole('form', { name: 'Create an account' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('First password').fill(password);
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('table', { name: 'Accounts' })).toContainText(username);
}

/** Adds a member to the team the Team members section shows. */
async function addMember(page: Page, username: string, role: string) {
  const form = page.getByRole('form', { name: 'Add a member' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Add member' }).click();
}

test('admins manage their team; a viewer sees only their team, no controls, and gets 403', async ({ page, browser }) => {
  // Two accounts, two teams and two browsers: longer than one page's default.
  test.setTimeout(60_000);
  const suffix = Date.now().toString(36);
  const viewer = `vera-${suffix}`;
  const other = `pat-${suffix}`;
  const otherTeam = `Payments ${suffix}`;

  await loginAs(page.request);
  await page.goto('/settings');
  await hydrated(page);
  await createAccount(page, viewer, 'vera first password');
  await createAccount(page, other, 'pat first password');

  // A nonsense username is refused at the field, and nothing is added.
  await addMember(page, 'no-such-user', 'viewer');
  await expect(page.getByRole('form', { name: 'Add a member' })).toContainText('There is no active user named no-such-user');
  await addMember(page, viewer, 'viewer');
  const platform = page.getByRole('table', { name: 'Members of Platform' });
  await expect(platform).toContainText(viewer);
  await expect(platform).not.toContainText('no-such-user');

  // A second team, which the viewer is not in.
  const newTeam = page.getByRole('form', { name: 'Create a team' });
  await newTeam.getByLabel('Team name').fill(otherTeam);
  // Creating a team reloads the page (so every picker has it): wait for that reload to end, or
  // the navigation below races it and is aborted.
  const reloaded = page.waitForEvent('load');
  await newTeam.getByRole('button', { name: 'Create team' }).click();
  await reloaded;
  await hydrated(page);
  // A team's settings have an address of their own: opening it changes nobody's remembered team
  // (other tests run as this administrator at the same time).
  await page.goto(`/t/${await teamId(page.request, otherTeam)}/settings`);
  await hydrated(page);
  await addMember(page, other, 'operator');
  await expect(page.getByRole('table', { name: `Members of ${otherTeam}` })).toContainText(other);
  await page.screenshot({ path: 'screenshots/settings-admin.png', fullPage: true });

  // The viewer signs in with the first password and must choose their own.
  const context = await browser.newContext();
  const vera = await context.newPage();
  await vera.goto('/login');
  await expect(vera.locator('.login-card')).toHaveAttribute('data-hydrated', 'true');
  await vera.getByLabel('Username').fill(viewer);
  await vera.getByLabel('Password').fill('vera first password');
  await vera.getByLabel('Password').press('Enter');
  await expect(vera.getByRole('heading', { level: 1, name: 'Change password' })).toBeVisible();
  await vera.getByLabel('Current password').fill('vera first password');
  await vera.getByLabel('New password', { exact: true }).fill('vera own password 1');
  await vera.getByLabel('New password again').fill('vera own password 1');
  await vera.getByRole('button', { name: 'Change password' }).click();
  await expect(vera.getByRole('status')).toContainText('Your password was changed.');

  // Only her team, read-only: no form, no role pickers, no remove buttons, no accounts.
  await vera.goto('/settings');
  await hydrated(vera);
  const members = vera.getByRole('table', { name: 'Members of Platform' });
  await expect(members).toContainText(viewer);
  await expect(members).toContainText('admin');
  await expect(vera.getByText(otherTeam)).toHaveCount(0);
  await expect(vera.getByText(other)).toHaveCount(0);
  await expect(vera.getByRole('form', { name: 'Add a member' })).toHaveCount(0);
  await expect(vera.getByRole('combobox', { name: /^Role of/ })).toHaveCount(0);
  await expect(vera.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  await expect(vera.getByRole('form', { name: 'Create an account' })).toHaveCount(0);
  await expect(vera.getByRole('form', { name: 'Create a team' })).toHaveCount(0);
  await expect(vera.getByRole('table', { name: 'Connections' })).toContainText('Built-in sandbox');
  await expect(vera.getByRole('button', { name: /^Test / })).toHaveCount(0);
  await expect(vera.getByRole('form', { name: 'Add a connection' })).toHaveCount(0);
  await vera.screenshot({ path: 'screenshots/settings-viewer.png', fullPage: true });

  // Calling the API anyway: 403, for her own team's members and for the other team.
  const me = await (await vera.request.get('/api/v1/auth/me')).json();
  const headers = { 'x-csrf-token': me.csrf_token };
  const team = me.teams[0].team_id;
  // Her team's rules are listed for her, with nothing to create one with.
  await vera.goto(`/t/${team}/rules`);
  await hydrated(vera);
  await expect(vera.getByRole('heading', { level: 1 })).toHaveText('Rules');
  await expect(vera.getByRole('button', { name: 'Create a rule' })).toHaveCount(0);
  await expect(vera.getByRole('form', { name: 'Create a rule' })).toHaveCount(0);
  const list = await (await vera.request.get(`/api/v1/teams/${team}/members`)).json();
  const admin = list.find((m: { username: string }) => m.username === 'admin');
  const demote = await vera.request.put(`/api/v1/teams/${team}/members/${admin.user_id}`, { headers, data: { role: 'viewer' } });
  expect(demote.status()).toBe(403);
  const adminTeams = await (await page.request.get('/api/v1/teams')).json();
  const payments = adminTeams.find((t: { name: string }) => t.name === otherTeam);
  expect((await vera.request.get(`/api/v1/teams/${payments.id}/members`)).status()).toBe(403);
  expect((await vera.request.post('/api/v1/users', { headers, data: { username: 'x', password: 'y' } })).status()).toBe(403);

  // Logging out leaves nothing private behind the back button.
  await vera.getByLabel(`Account menu for ${viewer}`).click();
  await vera.getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(vera.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await vera.goBack();
  await expect(vera.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expect(vera.getByRole('table')).toHaveCount(0);
  await context.close();

  // The admin removes the viewer again, after confirming.
  await page.goto(`/t/${await teamId(page.request, 'Platform')}/settings`);
  await hydrated(page);
  const row = page.getByRole('table', { name: 'Members of Platform' }).getByRole('row', { name: new RegExp(viewer) });
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(row.getByRole('button', { name: 'Yes, remove' })).toBeFocused();
  await row.getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByRole('table', { name: 'Members of Platform' })).not.toContainText(viewer);
});

test('an API token is shown once, works, and stops working when revoked', async ({ page }) => {
  await loginAs(page.request);
  await page.goto('/settings');
  await hydrated(page);
  const name = `ci-${Date.now().toString(36)}`;
  const form = page.getByRole('form', { name: 'Create an API token' });
  await form.getByLabel('Token name').fill(name);
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByLabel('New API token').inputValue();
  expect(secret).toMatch(/^sbx_[A-Za-z0-9]+_[A-Za-z0-9]+$/);
  await expect(page.getByRole('table', { name: 'Your API tokens' })).toContainText(name);
  await page.screenshot({ path: 'screenshots/settings-token.png', fullPage: true });

  const bearer = { Authorization: `Bearer ${secret}` };
  const asToken = await page.request.fetch('/api/v1/auth/me', { headers: bearer, failOnStatusCode: false });
  expect(asToken.status()).toBe(200);

  const row = page.getByRole('table', { name: 'Your API tokens' }).getByRole('row', { name: new RegExp(name) });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(row).toContainText('REVOKED');
  const after = await page.request.fetch('/api/v1/auth/me', { headers: bearer, failOnStatusCode: false });
  expect(after.status()).toBe(401);
});

test('connections: the sandbox signs; a tenancy is added from a config file, its key never shown', async ({ page }) => {
  await loginAs(page.request);
  // Another test may have made the admin a member of a second team.
  await page.goto(`/t/${await teamId(page.request, 'Platform')}/settings`);
  await hydrated(page);
  const table = page.getByRole('table', { name: 'Connections' });
  await expect(table).toContainText('Built-in sandbox');

  // The built-in sandbox answers a signed call.
  await page.getByRole('button', { name: 'Test Built-in sandbox' }).click();
  await expect(page.locator('.test-outcome')).toContainText('Connection works.');
  await expect(table.getByRole('row', { name: /Built-in sandbox/ })).toContainText('OK');

  // A tenancy from a pasted config file. A typo is named at its field; nothing is stored.
  const name = `prod-${Date.now().toString(36)}`;
  const form = page.getByRole('form', { name: 'Add a connection' });
  const key = readFileSync(resolve(__dirname, '../../server/src/oci/testdata/vector_pkcs8.pem'), 'utf8');
  const config = [
    '[DEFAULT]',
    'user=ocid1.user.oc1..aaaaaaaatestuser',
    'fingerprint=4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e',
    'tenancy=ocid1.tenancy.oc1..aaaaaaaatesttenancy',
    'region=eu-frankfurt-1',
    'key_file=~/.oci/oci_api_key.pem',
  ].join('\n');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('~/.oci/config file').check();
  await form.getByLabel('Config file', { exact: true }).fill(config);
  await form.getByLabel('Profile').fill('PROD');
  await form.getByLabel('Private key (PEM)').fill(key);
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form).toContainText('no such profile; the file has [DEFAULT]');
  await expect(table).not.toContainText(name);
  await page.screenshot({ path: 'screenshots/settings-connection-error.png', fullPage: true });

  await form.getByLabel('Profile').fill('DEFAULT');
  await form.getByRole('button', { name: 'Add connection' }).click();
  const row = table.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('eu-frankfurt-1');
  await expect(row).toContainText('4d:d6:32:4b');
  await expect(form.getByLabel('Private key (PEM)')).toHaveValue('');
  expect(await page.content()).not.toContain('PRIVATE KEY-----\nMII');
  await page.screenshot({ path: 'screenshots/settings-connections.png', fullPage: true });

  // Deleting asks first.
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(table).not.toContainText(name);
});

test('an instance principal connection: made from the host identity, tested, used for a topic and a rule', async ({ page }) => {
  await loginAs(page.request);
  const team = await teamId(page.request, 'Platform');
  await page.goto(`/t/${team}/settings`);
  await hydrated(page);
  const table = page.getByRole('table', { name: 'Connections' });
  const form = page.getByRole('form', { name: 'Add a connection' });
  const name = `this-vm-${Date.now().toString(36)}`;

  // No key, no token: the tenancy and region come from the metadata service.
  await form.getByLabel('Name').fill(name);
  // A session asks for its token and its key, with the region.
  await form.getByLabel('Session token').check();
  await expect(form.getByLabel('Session key (PEM)')).toBeVisible();
  await expect(form.getByLabel('Security token (~/.oci/sessions/<profile>/token)')).toBeVisible();
  await page.screenshot({ path: 'screenshots/settings-connection-session-token.png', fullPage: true });
  await form.getByLabel('Instance principal').check();
  await expect(form).toContainText('Site administrators only');
  await expect(form.getByLabel('Private key (PEM)')).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/settings-connection-instance-principal.png', fullPage: true });
  await form.getByRole('button', { name: 'Add connection' }).click();
  const row = table.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('Instance principal');
  await expect(row).toContainText('us-ashburn-1');
  await expect(row).toContainText('ocid1.instance.oc1.iad.');

  // "Test" makes one signed call with a token exchanged for the instance's certificate.
  await row.getByRole('button', { name: `Test ${name}` }).click();
  await expect(page.locator('.test-outcome')).toContainText('Connection works.');
  await expect(row).toContainText('OK');
  await page.screenshot({ path: 'screenshots/settings-connections-kinds.png', fullPage: true });

  // A topic and a rule made through it.
  await page.goto(`/t/${team}/topics`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const toolbar = page.locator('.toolbar');
  await toolbar.getByLabel('Connection').selectOption({ label: name });
  // The header names the connection once the page has read its topics and made its form anew: a
  // form filled before that is replaced, with what was typed.
  await expect(page.locator('.picker-value', { hasText: name })).toBeVisible();
  await expect(toolbar.getByLabel('Compartment').locator('option').first()).toBeAttached();
  const topicName = `via-instance-${Date.now().toString(36)}`;
  const topicForm = page.getByRole('form', { name: 'Create a topic' });
  await topicForm.getByLabel('Topic name').fill(topicName);
  await topicForm.getByRole('button', { name: 'Create topic' }).click();
  await expect(page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(topicName) })).toContainText(
    'ACTIVE',
  );

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  // The link to Rules keeps the connection and compartment the topics page worked in.
  await expect(page.locator('.picker-value', { hasText: name })).toBeVisible();
  await page.getByRole('button', { name: 'Create a rule' }).click();
  const rule = page.getByRole('form', { name: 'Create a rule' });
  const ruleName = `via-instance-${Date.now().toString(36)}`;
  await rule.getByLabel('Name', { exact: true }).fill(ruleName);
  await rule.getByLabel('Kind of action 1').selectOption('ONS');
  await rule.getByLabel('Topic of action 1').selectOption({ label: topicName });
  await rule.getByRole('button', { name: 'Create rule' }).click();
  await expect(rule.getByRole('status').last()).toContainText(`Created ${ruleName}`);
});

