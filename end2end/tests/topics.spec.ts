import { test, expect } from '@playwright/test';
import { loginAs } from './session';

test('topics: create with live name checks, publish a test message, delete after confirming', async ({ page }) => {
  await loginAs(page.request);
  await page.goto('/t/1/topics');
  // The page is a lazily loaded chunk: its header says when its own controls respond.
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('.toolbar').getByLabel('Connection')).toContainText('Built-in sandbox');
  await expect(page.locator('.toolbar').getByLabel('Compartment').locator('option').first()).toBeAttached();

  const form = page.getByRole('form', { name: 'Create a topic' });
  const name = `infra-alerts-${Date.now().toString(36)}`;
  // The name is checked as it is typed, with the server's rule; the button waits for a good one.
  await form.getByLabel('Topic name').fill('infra alerts');
  await expect(form).toContainText('is not a topic name');
  await expect(form.getByRole('button', { name: 'Create topic' })).toBeDisabled();
  await form.getByLabel('Topic name').fill(name);
  await form.getByLabel('Description').fill('Compute lifecycle alerts for the on-call');
  await form.getByRole('button', { name: 'Create topic' }).click();

  const row = page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('ACTIVE');
  await expect(row).toContainText('0 ACTIVE');
  await page.screenshot({ path: 'screenshots/topics.png', fullPage: true });

  // The same name again: OCI's refusal, its parts apart, the request id ready to copy.
  await form.getByLabel('Topic name').fill(name);
  await form.getByRole('button', { name: 'Create topic' }).click();
  const refusal = form.locator('.cloud-failure');
  await expect(refusal.locator('.cloud-answer')).toContainText('CreateTopic: OCI answered 409');
  await expect(refusal.locator('.request-id')).toHaveText(/\S+/);
  await page.screenshot({ path: 'screenshots/topics-oci-refusal.png', fullPage: true });

  await row.getByRole('button', { name: `Publish a test message to ${name}` }).click();
  const publish = page.getByRole('form', { name: `Publish to ${name}` });
  await publish.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(publish.getByRole('status')).toContainText('Published: message');
  await page.screenshot({ path: 'screenshots/topics-publish.png', fullPage: true });
  await publish.getByRole('button', { name: 'Close' }).click();

  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(page.getByRole('table', { name: 'Topics' }).getByRole('row', { name: new RegExp(name) })).toHaveCount(0);
});
