import { test, expect } from '@playwright/test';
import { loginAs } from './session';
import { Receiver } from './receiver';

// The seed workflow (../shared/seed/), done through the console against the built-in sandbox.
test('seed workflow: topic, confirmed HTTPS subscription, a published message arrives', async ({ page }) => {
  const receiver = await Receiver.start();
  try {
    await loginAs(page.request);
    const topicName = `infra-alerts-${Date.now().toString(36)}`;

    // Step 1: the topic.
    await page.goto('/topics');
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

    // Step 5: publish a test message; the receiver gets it.
    await page.getByRole('link', { name: 'Topics' }).first().click();
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
  } finally {
    await receiver.stop();
  }
});

test('subscription forms follow the protocol; pending ones are listed with their age', async ({ page }) => {
  await loginAs(page.request);
  const topicName = `pending-${Date.now().toString(36)}`;
  await page.goto('/topics');
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
  await form.getByLabel('E-mail address').fill('oncall@example.com');
  await form.getByRole('button', { name: 'Add subscription' }).click();
  await expect(page.getByRole('table', { name: 'Subscriptions' })).toContainText('oncall@example.com');

  await form.getByLabel('Protocol').selectOption('ORACLE_FUNCTIONS');
  await expect(form.getByRole('combobox', { name: /^Function/ })).toContainText('signalbox-samples / bucket-change-processor');
  await form.getByRole('button', { name: 'Add subscription' }).click();
  await expect(form.getByRole('status')).toContainText('Added and active');
  await page.screenshot({ path: 'screenshots/topic-subscriptions.png', fullPage: true });

  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Topics' }).click();
  const pending = page.getByRole('table', { name: 'Pending subscriptions' });
  await expect(pending.getByRole('row', { name: /oncall@example.com/ })).toContainText('waiting');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await pending.getByRole('button', { name: 'Resend the confirmation to oncall@example.com' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Confirmation request sent again' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/topics-pending.png', fullPage: true });
});
