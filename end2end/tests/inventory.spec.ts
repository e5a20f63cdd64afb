import { test, expect, type APIRequestContext } from '@playwright/test';
import { loginAs } from './session';

// Signs in and makes a topic in the web compartment, named after `label` and the time.
async function withTopic(request: APIRequestContext, label: string) {
  const me = await loginAs(request);
  const team = me.teams[0].team_id;
  const connections = await (await request.get(`/api/v1/teams/${team}/connections`)).json();
  const connection = connections[0].id;
  const compartment = 'ocid1.compartment.oc1..sandboxweb';
  const api = `/api/v1/teams/${team}/connections/${connection}`;
  const headers = { 'x-csrf-token': me.csrf_token };
  const prefix = `${label}-${Date.now().toString(36)}`;
  const topic = await (
    await request.post(`${api}/topics`, { headers, data: { compartment_id: compartment, name: `${prefix}-topic` } })
  ).json();
  return { team, connection, compartment, api, headers, prefix, topic };
}

// The rules page reads the inventory: a long list comes a page at a time, says how fresh it is,
// and a change made elsewhere shows without a reload.
test('rules: paged by 50, fresh and live', async ({ page }) => {
  const { team, connection, compartment, api, headers, prefix, topic } = await withTopic(page.request, 'paged');
  const rule = (n: number) => ({
    compartment_id: compartment,
    name: `${prefix}-${String(n).padStart(2, '0')}`,
    condition: '{"eventType":"com.oraclecloud.computeapi.launchinstance.end"}',
    actions: [{ kind: 'ONS', target_id: topic.id }],
  });
  for (let n = 0; n < 55; n += 1) {
    const created = await page.request.post(`${api}/rules`, { headers, data: rule(n) });
    expect(created.ok()).toBeTruthy();
  }

  await page.goto(`/t/${team}/rules?connection=${connection}&compartment=${compartment}&q=${prefix}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const table = page.getByRole('table', { name: 'Rules' });
  await expect(table.getByRole('row')).toHaveCount(51);
  await expect(page.locator('.pager')).toContainText('50 of 55 rows');
  await expect(page.locator('.freshness')).toContainText(/Synced (just now|\d+ s ago)/);
  await page.screenshot({ path: 'screenshots/rules-paged.png', fullPage: true });

  await page.locator('.pager').getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(table.getByRole('row')).toHaveCount(6);
  await expect(table).toContainText(`${prefix}-54`);
  await page.locator('.pager').getByRole('link', { name: '← Previous' }).click();
  await expect(table.getByRole('row')).toHaveCount(51);
  await expect(table).toContainText(`${prefix}-00`);

  // Newest first: the order is part of the address.
  await page.getByRole('search', { name: 'Filter rules' }).getByRole('combobox', { name: 'Order' }).selectOption('newest');
  await expect(page).toHaveURL(/sort=newest/);
  await expect(table.getByRole('row').nth(1)).toContainText(`${prefix}-54`);

  // Made elsewhere (here through the API, as another user or a script would): the open page
  // shows it without a reload, and a delete being confirmed meanwhile stays asked.
  const asked = table.getByRole('row', { name: new RegExp(`${prefix}-54`) });
  await asked.getByRole('button', { name: 'Delete' }).click();
  await expect(asked.getByRole('button', { name: 'Yes, delete' })).toBeFocused();
  await page.request.post(`${api}/rules`, { headers, data: rule(99) });
  await expect(table.getByRole('row').nth(1)).toContainText(`${prefix}-99`, { timeout: 10_000 });
  await expect(asked.getByRole('button', { name: 'Yes, delete' })).toBeVisible();
  await asked.getByRole('button', { name: 'Cancel' }).click();
  await expect(asked.getByRole('button', { name: 'Delete' })).toBeVisible();

  // Refresh re-reads the compartment from OCI now.
  await page.locator('.freshness').getByRole('button', { name: 'Refresh' }).click();
  await expect(page.locator('.freshness')).toContainText(/Synced (just now|\d+ s ago)/);
  await expect(page.locator('.freshness').getByRole('button', { name: 'Refresh' })).toBeEnabled();
});

// A rule's page and a topic's page read the inventory too: each says how fresh it is and can
// re-read OCI now, and the topic's page shows a subscription made elsewhere without a reload.
test('rule and topic pages: fresh, refreshable, live', async ({ page }) => {
  const { team, connection, compartment, api, headers, prefix, topic } = await withTopic(page.request, 'fresh');
  const rule = await (
    await page.request.post(`${api}/rules`, {
      headers,
      data: {
        compartment_id: compartment,
        name: `${prefix}-rule`,
        condition: '{"eventType":"com.oraclecloud.computeapi.launchinstance.end"}',
        actions: [{ kind: 'ONS', target_id: topic.id }],
      },
    })
  ).json();

  await page.goto(`/t/${team}/rules/${rule.id}?connection=${connection}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const freshness = page.locator('.freshness');
  await expect(freshness).toContainText(/Synced (just now|\d+ s ago)/);
  await freshness.getByRole('button', { name: 'Refresh' }).click();
  await expect(freshness.getByRole('button', { name: 'Refresh' })).toBeEnabled();
  await expect(freshness).toContainText(/Synced (just now|\d+ s ago)/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${prefix}-rule`);
  await page.screenshot({ path: 'screenshots/rule-fresh.png' });

  await page.goto(`/t/${team}/topics/${topic.id}?connection=${connection}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await expect(freshness).toContainText(/Synced (just now|\d+ s ago)/);
  const subscriptions = page.locator('.section', { has: page.getByRole('heading', { name: 'Subscriptions' }) });
  await expect(subscriptions).toContainText('No subscriptions yet');
  // Deleting the topic is being confirmed, half the name typed, when a change arrives.
  await page.getByRole('button', { name: 'Delete topic' }).click();
  const confirm = page.getByRole('group', { name: 'Delete topic' });
  await confirm.getByRole('textbox').fill(`${prefix}-to`);
  const made = await page.request.post(`${api}/topics/${topic.id}/subscriptions`, {
    headers,
    data: { protocol: 'EMAIL', endpoint: `${prefix}@example.com` },
  });
  expect(made.ok()).toBeTruthy();
  await expect(page.getByRole('table', { name: 'Subscriptions' })).toContainText(`${prefix}@example.com`, {
    timeout: 10_000,
  });
  // The live reload kept the question and what was typed; it now counts the new subscription.
  await expect(confirm.getByRole('textbox')).toHaveValue(`${prefix}-to`);
  await expect(confirm).toContainText('1 subscription');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/topic-fresh.png', fullPage: true });
});

// Changes made elsewhere arrive through Events: with the live-inventory pipeline (a rule on the
// Events and Notifications services' own events sending to a topic one of the team's inboxes is
// subscribed to), the rules page says Live and shows a new rule without a reload.
test('rules: live through Events', async ({ page }) => {
  const { team, connection, compartment, api, headers, prefix, topic } = await withTopic(page.request, 'live');
  const inbox = await (
    await page.request.post(`/api/v1/teams/${team}/inboxes`, { headers, data: { name: `${prefix}-inbox` } })
  ).json();
  const subscribed = await page.request.post(`${api}/topics/${topic.id}/subscriptions`, {
    headers,
    data: { protocol: 'CUSTOM_HTTPS', endpoint: inbox.url },
  });
  expect(subscribed.ok()).toBeTruthy();
  const rule = (name: string, condition: object) => ({
    compartment_id: compartment,
    name,
    condition: JSON.stringify(condition),
    actions: [{ kind: 'ONS', target_id: topic.id }],
  });
  const changes = { eventType: ['com.oraclecloud.eventsservice.*', 'com.oraclecloud.notification.*'] };
  expect((await page.request.post(`${api}/rules`, { headers, data: rule(`${prefix}-changes`, changes) })).ok()).toBeTruthy();
  await expect
    .poll(async () => (await (await page.request.get(`${api}/topics/${topic.id}/subscriptions`)).json())[0].state)
    .toBe('ACTIVE');

  await page.goto(`/t/${team}/rules?connection=${connection}&compartment=${compartment}&q=${prefix}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const launches = { eventType: 'com.oraclecloud.computeapi.launchinstance.end' };
  await page.request.post(`${api}/rules`, { headers, data: rule(`${prefix}-later`, launches) });
  const table = page.getByRole('table', { name: 'Rules' });
  await expect(table).toContainText(`${prefix}-later`, { timeout: 10_000 });
  const live = page.locator('.freshness-live');
  await expect(live).toHaveText('Live', { timeout: 10_000 });
  await expect(live).toHaveAttribute('title', /arrive here through OCI Events/);
  await page.screenshot({ path: 'screenshots/rules-live.png', fullPage: true });
});
