import { test, expect } from '@playwright/test';
import { loginAs } from './session';
import { SANDBOX_TENANCY, ociCall } from './oci';

test('the rule editor checks the draft against the cloud as it is edited, and a fix in the cloud clears the finding', async ({ page }) => {
  await loginAs(page.request);
  await page.goto('/t/1/rules');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Create a rule' }).click();
  const form = page.getByRole('form', { name: 'Create a rule' });
  const panel = form.locator('.preflight-panel');
  await expect(panel).toContainText('Pre-flight checks');

  // A function action: the sandbox has no policy letting the Events service invoke it.
  await form.getByRole('textbox', { name: 'Name' }).fill('launches-to-logger');
  await form.getByLabel('Kind of action 1').selectOption('FAAS');
  await form.getByLabel('Function of action 1').selectOption({ label: 'signalbox-samples / event-logger' });
  const events = panel.locator('.finding[data-kind="EventsPolicy"]');
  await expect(events).toContainText('Warning');
  await expect(events).toContainText('No policy lets the Events service invoke function event-logger');
  await expect(events.locator('.remedy-code').first()).toHaveText(
    'Allow service cloudEvents to use functions-family in compartment dev',
  );
  await expect(panel.locator('.verdict')).toContainText('OCI would accept it, but it may not deliver');
  await expect(panel.locator('.finding[data-kind="UserPolicy"]').first()).toContainText('Tenant Admin Policy');
  await page.screenshot({ path: 'screenshots/preflight-rule-editor.png', fullPage: true });

  // Fixed in the cloud as the finding says (the statement added by an OCI client, as a user would):
  // checked again, the warning is gone.
  await ociCall(page.request, 'POST', '/20160918/policies', {
    compartmentId: SANDBOX_TENANCY,
    name: `events-to-functions-${Date.now().toString(36)}`,
    statements: ['Allow service cloudEvents to use functions-family in compartment dev'],
    description: 'as the pre-flight finding said',
  });
  await panel.getByRole('button', { name: 'Check again' }).click();
  await expect(events).toContainText('Pass');
  await expect(events).not.toContainText('No policy lets the Events service');

  // A broken condition stops the checks until it is fixed.
  const json = form.getByLabel('Condition (JSON)');
  await json.fill('{"eventType": ');
  await expect(panel).toContainText('Fix the condition to check the rule');

  // A bucket in dev that does not emit object events: a rule on object events names it.
  const bucket = `pf-quiet-${Date.now().toString(36)}`;
  await ociCall(page.request, 'POST', '/n/sandboxns/b/', {
    name: bucket,
    compartmentId: 'ocid1.compartment.oc1..sandboxdev',
    objectEventsEnabled: false,
  });
  await json.fill('{"eventType": ["com.oraclecloud.objectstorage.createobject"]}');
  const buckets = panel.locator('.finding[data-kind="BucketEvents"]');
  await expect(buckets).toContainText('Warning');
  await expect(buckets).toContainText(bucket);
});

test('a plan OCI would refuse is applied only with a reason', async ({ page }) => {
  const me = await loginAs(page.request);
  const team = me.teams[0].team_id;
  await page.goto(`/t/${team}/pipelines`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.locator('[data-starter="bucket-change-processor"]').getByRole('button', { name: 'Add to library' }).click();
  const library = page.getByRole('table', { name: 'Templates' });
  await library.getByRole('row', { name: /Bucket/ }).first().getByRole('link', { name: 'Deploy' }).click();
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Deployment name').fill(`processor ${Date.now().toString(36)}`);
  await page.getByLabel('Name prefix').fill(`pf${Date.now().toString(36)}`);
  await page.getByLabel('Function').fill('ocid1.fnfunc.oc1.iad.aaaanothere');
  await page.getByLabel('Buckets').fill('uploads');
  await page.getByRole('button', { name: 'Review plan' }).click();
  const review = page.locator('.plan-review');
  const target = review.locator('.finding[data-kind="Target"]');
  await expect(target).toContainText('Blocking');
  await expect(target).toContainText('There is no function ocid1.fnfunc.oc1.iad.aaaanothere');
  await expect(review.locator('.verdict')).toContainText('OCI would refuse this plan');
  // The review also says what the new rule would have sent, replayed over the last week.
  await expect(review.locator('.impact-review')).toContainText(
    /\(create\): changes what reaches ocid1\.fnfunc\.oc1\.iad\.aaaanothere by \+\d+ \/ −0 events a week/,
  );
  const apply = review.getByRole('button', { name: /anyway/ });
  await expect(apply).toBeDisabled();
  await review.getByLabel('Why apply anyway?').fill("the function ships in today's release");
  await expect(apply).toBeEnabled();
  await page.screenshot({ path: 'screenshots/preflight-plan.png', fullPage: true });
});
