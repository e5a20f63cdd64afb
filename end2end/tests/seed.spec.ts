import { test, expect } from '@playwright/test';
import { loginAs } from './session';
import { Receiver } from './receiver';

// The seed workflow (../shared/seed/), done through the console against the built-in sandbox.
test('seed workflow: topic, confirmed HTTPS subscription, two rules, a published message arrives', async ({ page }) => {
  test.setTimeout(180_000);
  const receiver = await Receiver.start();
  try {
    await loginAs(page.request);
    const topicName = `infra-alerts-${Date.now().toString(36)}`;

    // Step 1: the topic.
    await page.goto('/t/1/topics');
    await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
    const create = page.getByRole('form', { name: 'Create a topic' });
    await create.getByLabel('Topic name').fill(topicName);
    await create.getByLabel('Description').fill('Infrastructure lifecycle alerts');
    await create.getByRole('button', { name: 'Create topic' }).click();
    const row = page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(topicName) });
    await expect(row).toContainText('ACTIVE');

    // Step 1, continued: an HTTPS subscription to the local receiver, confirmed → ACTIVE.
    await row.getByRole('link', { name: topicName }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(topicName);
    await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
    const form = page.getByRole('form', { name: 'Add a subscription' });
    await expect(form.getByLabel('Protocol')).toHaveValue('CUSTOM_HTTPS');
    await form.getByLabel('URL').fill('hooks.example.com/oci');
    await expect(form).toContainText('not an https:// URL');
    await expect(form.getByRole('button', { name: 'Add subscription' })).toBeDisabled();
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByRole('button', { name: 'Add subscription' }).click();
    await expect(form.getByRole('status')).toContainText('PENDING until the endpoint confirms');
    const subscriptions = page.getByRole('table', { name: 'Subscriptions' });
    await expect(subscriptions).toContainText(receiver.url);
    await expect
      .poll(async () => {
        await page.reload();
        return subscriptions.getByRole('row', { name: new RegExp(receiver.url) }).textContent();
      })
      .toContain('ACTIVE');
    await page.screenshot({ path: 'screenshots/seed-topic.png', fullPage: true });

    // Step 2: a rule on the three compute lifecycle types, sending to the topic.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rules');
    await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
    await page.getByRole('button', { name: 'Create a rule' }).click();
    const rule = page.getByRole('form', { name: 'Create a rule' });
    const ruleName = `instance-state-changes-${topicName}`;
    await rule.getByLabel('Name', { exact: true }).fill(ruleName);
    await rule.getByLabel('Description', { exact: true }).fill('Fire on compute instance lifecycle changes');
    await rule.getByLabel('Condition (JSON)').fill(JSON.stringify({
      eventType: [
        'com.oraclecloud.computeapi.launchinstance.end',
        'com.oraclecloud.computeapi.terminateinstance.end',
        'com.oraclecloud.computeapi.instanceaction.end',
      ],
    }, null, 2));
    await expect(rule.getByRole('status').first()).toContainText('Valid condition');
    await rule.getByLabel('Kind of action 1').selectOption('ONS');
    await rule.getByLabel('Topic of action 1').selectOption({ label: topicName });
    await rule.getByRole('button', { name: 'Create rule' }).click();
    await expect(rule.getByRole('status').last()).toContainText(`Created ${ruleName}`);

    // Step 4: a second rule that sends bucket changes to a function.
    const fnRule = `bucket-change-processor-${topicName}`;
    await rule.getByLabel('Name', { exact: true }).fill(fnRule);
    await rule.getByLabel('Description', { exact: true }).fill('Process bucket changes');
    await rule.getByLabel('Condition (JSON)').fill(
      '{"eventType": ["com.oraclecloud.objectstorage.createobject", "com.oraclecloud.objectstorage.deleteobject"]}',
    );
    await rule.getByLabel('Kind of action 1').selectOption('FAAS');
    await rule.getByLabel('Function of action 1').selectOption({ label: 'signalbox-samples / bucket-change-processor' });
    await rule.getByRole('button', { name: 'Create rule' }).click();
    await expect(rule.getByRole('status').last()).toContainText(`Created ${fnRule}`);

    // Step 5, first half: both rules are listed.
    const rules = page.getByRole('table', { name: 'Rules' });
    await expect(rules.getByRole('row', { name: new RegExp(ruleName) })).toContainText('computeapi.launchinstance.end');
    await expect(rules.getByRole('row', { name: new RegExp(fnRule) })).toContainText('ENABLED');
    await page.screenshot({ path: 'screenshots/seed-rules.png', fullPage: true });
    const search = page.getByRole('search', { name: 'Filter rules' }).getByRole('searchbox');
    await search.fill(topicName);
    await search.press('Enter');
    await expect(page).toHaveURL(new RegExp(`q=${topicName}`));
    await page.getByRole('search', { name: 'Filter rules' }).getByRole('combobox', { name: /^Action/ }).selectOption('FAAS');
    await expect(page).toHaveURL(/action=FAAS/);
    await expect(rules.getByRole('row')).toHaveCount(2);
    await expect(rules).toContainText(fnRule);

    // Step 5: publish a test message; the receiver gets it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topics' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Topics');
    const listed = page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(topicName) });
    await expect(listed).toContainText('1 ACTIVE');
    await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
    await listed.getByRole('button', { name: `Publish a test message to ${topicName}` }).click();
    const publish = page.getByRole('form', { name: `Publish to ${topicName}` });
    await publish.getByLabel('Message').fill('Seed step 5: the pipeline delivers');
    await publish.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect(publish.getByRole('status')).toContainText('Published: message');
    await expect.poll(() => receiver.notifications().map((n) => n.body).join('\n')).toContain('Seed step 5');
    await page.screenshot({ path: 'screenshots/seed-topics.png', fullPage: true });

    // Deleting the topic names what it takes along and asks for its name.
    await listed.getByRole('link', { name: topicName }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(topicName);
    await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.getByRole('region', { name: 'Rules that send here' })).toContainText(ruleName);
    await page.getByRole('button', { name: 'Delete topic' }).click();
    const confirm = page.getByRole('group', { name: 'Delete topic' });
    await expect(confirm).toContainText('1 subscription');
    await expect(confirm).toContainText(`1 rule in this compartment still sends here (${ruleName})`);
    await expect(confirm.getByRole('button', { name: 'Delete topic' })).toBeDisabled();
    await confirm.getByLabel(`Type ${topicName} to confirm`).fill(topicName);
    await page.screenshot({ path: 'screenshots/topic-delete.png', fullPage: true });
    await confirm.getByRole('button', { name: 'Delete topic' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Topics');
    await expect(page.getByRole('table', { name: 'Topics' }).getByRole('link', { name: topicName })).toHaveCount(0);
  } finally {
    await receiver.stop();
  }
});

test('subscription forms follow the protocol; pending ones are listed with their age', async ({ page }) => {
  await loginAs(page.request);
  const topicName = `pending-${Date.now().toString(36)}`;
  await page.goto('/t/1/topics');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const create = page.getByRole('form', { name: 'Create a topic' });
  await create.getByLabel('Topic name').fill(topicName);
  await create.getByRole('button', { name: 'Create topic' }).click();
  await page.getByRole('table', { name: 'Topics' }).getByRole('link', { name: topicName }).click();
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');

  const form = page.getByRole('form', { name: 'Add a subscription' });
  await form.getByLabel('Protocol').selectOption('EMAIL');
  await form.getByLabel('E-mail address').fill('oncall@');
  await expect(form).toContainText('is not an e-mail address');
  await form.getByLabel('E-mail address').fill(`oncall-${topicName}@example.com`);
  await form.getByRole('button', { name: 'Add subscription' }).click();
  await expect(page.getByRole('table', { name: 'Subscriptions' })).toContainText(`oncall-${topicName}@example.com`);

  await form.getByLabel('Protocol').selectOption('ORACLE_FUNCTIONS');
  await expect(form.getByRole('combobox', { name: /^Function/ })).toContainText('signalbox-samples / bucket-change-processor');
  await form.getByRole('button', { name: 'Add subscription' }).click();
  await expect(form.getByRole('status')).toContainText('Added and active');
  await page.screenshot({ path: 'screenshots/topic-subscriptions.png', fullPage: true });

  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Topics' }).click();
  const pending = page.getByRole('table', { name: 'Pending subscriptions' });
  await expect(pending.getByRole('row', { name: new RegExp(`oncall-${topicName}@`) })).toContainText('waiting');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await pending.getByRole('button', { name: `Resend the confirmation to oncall-${topicName}@example.com` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Confirmation request sent again' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/topics-pending.png', fullPage: true });
});

test('HCL typed into the condition is pinpointed within one keystroke and blocks saving', async ({ page }) => {
  await loginAs(page.request);
  await page.goto('/t/1/rules');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Create a rule' }).click();
  const rule = page.getByRole('form', { name: 'Create a rule' });
  await rule.getByLabel('Name', { exact: true }).fill('hcl-by-mistake');
  const condition = rule.getByLabel('Condition (JSON)');
  await condition.fill('eventType = "x');
  await condition.press('"');
  await expect(condition).toHaveValue('eventType = "x"');
  const status = rule.locator('.condition-status');
  await expect(status).toContainText('line 1, column 1');
  await expect(status).toContainText('HCL');
  await expect(condition).toHaveAttribute('aria-invalid', 'true');
  await expect(rule.getByRole('button', { name: 'Create rule' })).toBeDisabled();
  await page.screenshot({ path: 'screenshots/rules-hcl.png', fullPage: true });

  // Valid JSON naming a type outside the catalogue is flagged, not refused.
  await condition.fill('{"eventType": ["com.oraclecloud.ComputeApi.LaunchInstance.End"]}');
  await expect(status).toContainText('not a known event type: com.oraclecloud.ComputeApi.LaunchInstance.End');
  await expect(condition).toHaveAttribute('aria-invalid', 'false');

  // The actions editor: a second action, then removed again; the last one cannot be removed.
  await rule.getByRole('button', { name: 'Add an action' }).click();
  await expect(rule.getByLabel('Kind of action 2')).toBeVisible();
  await expect(rule.getByRole('group', { name: /Actions \(2 of at most 10\)/ })).toBeVisible();
  await rule.getByRole('button', { name: 'Remove action 2' }).click();
  await expect(rule.getByLabel('Kind of action 2')).toHaveCount(0);
  await expect(rule.getByRole('button', { name: 'Remove action 1' })).toBeDisabled();
});
