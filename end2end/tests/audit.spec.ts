import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { loginAs } from './session';

test("a rule's condition change is in its history: diff with the changed line, and in the CSV export", async ({ page }) => {
  test.setTimeout(60_000);
  await loginAs(page.request);
  await page.goto('/t/1/rules');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Create a rule' }).click();
  const form = page.getByRole('form', { name: 'Create a rule' });
  const name = `audited-${Date.now().toString(36)}`;
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Kind of action 1').selectOption('FAAS');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await expect(form.getByRole('status').last()).toContainText(`Created ${name}`);

  // Change the condition on the rule's page.
  await page.getByRole('table', { name: 'Rules' }).getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const editor = page.getByRole('form', { name: 'Edit the rule' });
  await editor
    .getByLabel('Condition (JSON)')
    .fill('{"eventType": ["com.oraclecloud.computeapi.terminateinstance.end"]}');
  await editor.getByRole('button', { name: 'Save changes' }).click();
  await expect(editor.getByRole('status').last()).toContainText(`Saved ${name}`);

  // Its history: the update on top, then the creation.
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit');
  const trail = page.getByRole('table', { name: 'Audit trail' });
  await expect(trail.getByRole('row')).toHaveCount(3);
  await expect(trail.getByRole('row').nth(1)).toContainText('rule.update');
  await expect(trail.getByRole('row').nth(2)).toContainText('rule.create');
  await expect(page.getByTestId('chain-badge')).toContainText('Chain intact');
  await page.screenshot({ path: 'screenshots/audit-history.png' });

  // Export what the filter selects and find the update in it.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toContain('id,at,actor');
  const update = lines.find((line) => line.includes('rule.update'));
  expect(update).toBeDefined();
  expect(update).toContain(name);
  expect(update).toContain('terminateinstance');

  // The update's detail: the condition's changed line highlighted on both sides.
  await trail.getByRole('link', { name: 'rule.update' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('rule.update');
  const diff = page.getByRole('table', { name: 'Before and after, line by line' });
  const changed = diff.locator('tr[data-change="changed"]');
  await expect(changed).toHaveCount(1);
  await expect(changed.locator('.diff-del')).toContainText('launchinstance');
  await expect(changed.locator('.diff-add')).toContainText('terminateinstance');
  await page.screenshot({ path: 'screenshots/audit-entry.png', fullPage: true });
});

test("the cloud's audit events: a topic created through Signalbox is paired with its entry", async ({ page }) => {
  await loginAs(page.request);
  await page.goto('/t/1/topics');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const form = page.getByRole('form', { name: 'Create a topic' });
  const name = `cloud-audited-${Date.now().toString(36)}`;
  await form.getByLabel('Topic name').fill(name);
  await form.getByRole('button', { name: 'Create topic' }).click();
  await expect(page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(name) })).toContainText(
    'ACTIVE',
  );

  // From the trail to the cloud's own record of the same compartment.
  await page.goto('/audit');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Cloud audit' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cloud audit');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const events = page.getByRole('table', { name: "The cloud's audit events" });
  const row = events.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('CreateTopic');
  await expect(row.getByRole('link', { name: 'topic.create' })).toBeVisible();
  await expect(page.getByTestId('cloud-audit-summary')).toContainText('changes');
  await page.screenshot({ path: 'screenshots/cloud-audit.png', fullPage: true });

  // Reads are left out until asked for.
  await expect(events).not.toContainText('ListTopics');
  await page.getByLabel('Include reads').check();
  await expect(page).toHaveURL(/reads=true/);
  await expect(events).toContainText('ListTopics');

  await row.getByRole('link', { name: 'topic.create' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('topic.create');
});
