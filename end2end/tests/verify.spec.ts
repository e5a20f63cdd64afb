import { test, expect } from '@playwright/test';
import { loginAs } from './session';

// Issue 9: an inbox subscribed from the subscription form confirms by itself, and Verify sends a
// probe through a rule into it, every hop green with its timing, the event body in the inbox.
test('inbox, one-click subscription, rule, Verify: every hop green and the event in the inbox', async ({ page }) => {
  test.setTimeout(180_000);
  await loginAs(page.request);
  const suffix = Date.now().toString(36);
  const inboxName = `on-call-${suffix}`;
  const topicName = `verify-alerts-${suffix}`;
  const ruleName = `launches-${suffix}`;

  // The inbox.
  await page.goto('/t/1/inboxes');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const create = page.getByRole('form', { name: 'Create an inbox' });
  await create.getByLabel('New inbox').fill(inboxName);
  await create.getByRole('button', { name: 'Create inbox' }).click();
  await expect(page).toHaveURL(/\/inboxes\?inbox=\d+/);
  await expect(page.getByRole('heading', { name: `${inboxName}: deliveries` })).toBeVisible();
  await expect(page.getByText('Nothing received yet')).toBeVisible();

  // A topic, and the inbox subscribed to it in one click: ACTIVE with no other step.
  await page.goto('/t/1/topics');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const topicForm = page.getByRole('form', { name: 'Create a topic' });
  await topicForm.getByLabel('Topic name').fill(topicName);
  await topicForm.getByRole('button', { name: 'Create topic' }).click();
  const row = page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(topicName) });
  await row.getByRole('link', { name: topicName }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(topicName);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const form = page.getByRole('form', { name: 'Add a subscription' });
  await form.getByRole('button', { name: `Subscribe inbox "${inboxName}"` }).click();
  const subscriptions = page.getByRole('table', { name: 'Subscriptions' });
  await expect(subscriptions).toContainText('/hooks/');
  await expect
    .poll(async () => {
      await page.reload();
      return subscriptions.getByRole('row', { name: /hooks/ }).textContent();
    })
    .toContain('ACTIVE');

  // A rule sending launches of prod-* instances to the topic.
  await page.goto('/t/1/rules');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Create a rule' }).click();
  const rule = page.getByRole('form', { name: 'Create a rule' });
  await rule.getByLabel('Name', { exact: true }).fill(ruleName);
  await rule.getByLabel('Condition (JSON)').fill(JSON.stringify({
    eventType: ['com.oraclecloud.computeapi.launchinstance.end'],
    data: { resourceName: 'prod-*' },
  }, null, 2));
  await expect(rule.getByRole('status').first()).toContainText('Valid condition');
  await rule.getByLabel('Kind of action 1').selectOption('ONS');
  await rule.getByLabel('Topic of action 1').selectOption({ label: topicName });
  await rule.getByRole('button', { name: 'Create rule' }).click();
  await expect(rule.getByRole('status').last()).toContainText(`Created ${ruleName}`);

  // Verify, from the rule's page.
  await page.getByRole('table', { name: 'Rules' }).getByRole('link', { name: ruleName }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(ruleName);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const report = page.locator('.verify-report');
  await expect(report).toContainText('every hop passed', { timeout: 60_000 });
  const hops = report.locator('.hop');
  await expect(hops).toHaveCount(6);
  for (const [i, name] of ['Event accepted', 'Rule matched', 'Action', 'Topic', 'Subscription', 'Delivered'].entries()) {
    await expect(hops.nth(i)).toHaveAttribute('data-ok', 'true');
    await expect(hops.nth(i)).toContainText(name);
    await expect(hops.nth(i).locator('.hop-time')).toHaveText(/^\d+ ms$/);
  }
  await report.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'screenshots/verify-report.png', fullPage: true });

  // The delivered event, in the inbox.
  await report.getByRole('link', { name: 'Open the inbox' }).click();
  await expect(page.getByRole('heading', { name: `${inboxName}: deliveries` })).toBeVisible();
  const delivered = page.locator('.delivery[data-kind="notification"]').first();
  await expect(delivered).toContainText(`from ${topicName}`);
  await expect(delivered.locator('.delivery-body')).toContainText('"eventType": "com.oraclecloud.computeapi.launchinstance.end"');
  await expect(delivered.locator('.delivery-body')).toContainText('"resourceName": "prod-probe"');
  await expect(page.locator('.delivery[data-kind="confirmation"]')).toContainText('confirmed (HTTP 200)');
  await page.screenshot({ path: 'screenshots/inbox.png', fullPage: true });

  // Health: the pipeline is healthy; the dashboard counts it.
  await page.goto('/t/1/health');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Check now' }).click();
  const pipeline = page.locator('.pipeline', { hasText: ruleName });
  await expect(pipeline).toHaveAttribute('data-status', 'healthy');
  await page.screenshot({ path: 'screenshots/health.png', fullPage: true });

  // The sandbox's own log shows the delivery to the inbox.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sandbox' }).click();
  await expect(page.getByRole('table', { name: 'Deliveries' })).toContainText(topicName);
  await page.screenshot({ path: 'screenshots/sandbox-deliveries.png', fullPage: true });
});

test('an inbox shows what arrives live, as text', async ({ page }) => {
  await loginAs(page.request);
  const name = `live-${Date.now().toString(36)}`;
  const created = await page.request.get('/api/v1/auth/me').then((r) => r.json());
  const team = created.teams[0].team_id;
  const csrf = created.csrf_token;
  const inbox = await page.request
    .post(`/api/v1/teams/${team}/inboxes`, { data: { name }, headers: { 'x-csrf-token': csrf } })
    .then((r) => r.json());
  await page.goto(`/t/${team}/inboxes?inbox=${inbox.id}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByRole('heading', { name: `${name}: deliveries` })).toContainText('live');

  // Markup in a body stays text: nothing an inbox receives is rendered as HTML.
  const answer = await page.request.post(inbox.url, {
    data: '<img src=x onerror="document.title=\'owned\'"><b>bold?</b>',
    headers: { 'content-type': 'text/html' },
  });
  expect(answer.status()).toBe(200);
  const body = page.locator('.delivery-body').first();
  await expect(body).toHaveText('<img src=x onerror="document.title=\'owned\'"><b>bold?</b>');
  await expect(page.locator('.delivery b')).toHaveCount(0);
  await expect(page).not.toHaveTitle('owned');
});
