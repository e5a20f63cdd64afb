import { test, expect, Page } from '@playwright/test';
import { loginAs } from './session';

async function openRules(page: Page) {
  await loginAs(page.request);
  await page.goto('/t/1/rules');
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Create a rule' }).click();
  return page.getByRole('form', { name: 'Create a rule' });
}

test('the create form opens on demand, offers a topic made meanwhile without losing what was typed, and closes', async ({ page }) => {
  const me = await loginAs(page.request);
  const connections = await (await page.request.get('/api/v1/teams/1/connections')).json();
  const sandbox = connections.find((c: { kind: string }) => c.kind === 'sandbox');
  const scope = `/api/v1/teams/1/connections/${sandbox.id}`;
  const compartments: { id: string; name: string }[] = await (await page.request.get(`${scope}/compartments`)).json();
  const dev = compartments.find((c) => c.name === 'dev')!;
  await page.goto(`/t/1/rules?connection=${sandbox.id}&compartment=${dev.id}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const open = page.getByRole('button', { name: 'Create a rule' });
  const form = page.getByRole('form', { name: 'Create a rule' });
  await expect(open).toHaveAttribute('aria-expanded', 'false');
  await expect(form).toHaveCount(0);
  await open.click();
  await expect(open).toHaveAttribute('aria-expanded', 'true');
  const name = form.getByLabel('Name', { exact: true });
  await expect(name).toBeFocused();
  await name.fill('typed-before-the-topic');
  await form.getByLabel('Kind of action 1').selectOption('ONS');

  // A topic made elsewhere in the page's compartment joins the picker; the name stays.
  const topicName = `made-meanwhile-${Date.now().toString(36)}`;
  const made = await page.request.post(`${scope}/topics`, {
    headers: { 'x-csrf-token': me.csrf_token },
    data: { compartment_id: dev.id, name: topicName, description: '' },
  });
  expect(made.status()).toBe(200);
  await expect(form.getByLabel('Topic of action 1').locator('option', { hasText: topicName })).toHaveCount(1);
  await expect(name).toHaveValue('typed-before-the-topic');
  await page.screenshot({ path: 'screenshots/rules-create-open.png' });

  // Escape closes it, as does Cancel; reopened, it starts afresh.
  await page.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
  await expect(open).toHaveAttribute('aria-expanded', 'false');
  await open.click();
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue('');
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toHaveCount(0);
  await page.screenshot({ path: 'screenshots/rules-list.png', fullPage: true });
});

test('the builder and the JSON follow each other, and the Test panel explains each field', async ({ page }) => {
  const form = await openRules(page);
  const builder = form.getByRole('group', { name: 'Condition builder' });
  const json = form.getByLabel('Condition (JSON)');

  // Builder → JSON: pick a type by service and search, drop the default one, add filters.
  await builder.getByLabel('Service', { exact: true }).selectOption('Object Storage');
  await builder.getByLabel('Search event types').fill('object created');
  await builder.getByRole('checkbox', { name: /Object created/ }).check();
  await builder.getByRole('button', { name: 'Remove event type com.oraclecloud.computeapi.launchinstance.end' }).click();
  await expect(json).not.toHaveValue(/launchinstance/);
  await builder.getByLabel('Field').fill('data.additionalDetails.bucketName');
  await builder.getByLabel('Values').fill('inbound, archive');
  await builder.getByRole('button', { name: 'Add filter' }).click();
  await builder.getByLabel('Filter on').selectOption('freeform');
  await builder.getByLabel('Tag key').fill('team');
  await builder.getByLabel('Values').fill('ops');
  await builder.getByLabel('Values').press('Enter');
  const condition = JSON.parse(await json.inputValue());
  expect(condition).toEqual({
    eventType: ['com.oraclecloud.objectstorage.createobject'],
    data: { additionalDetails: { bucketName: ['inbound', 'archive'] }, freeformTags: { team: 'ops' } },
  });
  await expect(form.locator('.condition-status')).toContainText('Valid condition');

  // The Test panel picked the sample of the chosen type; the tag filter is why it misses.
  const result = form.locator('.test-result');
  await expect(result).toContainText('Does not match');
  const tag = result.getByRole('listitem').filter({ hasText: 'data.freeformTags.team' });
  await expect(tag).toContainText('is "platform"; the condition wants "ops"');
  await expect(result.getByRole('listitem').filter({ hasText: 'data.additionalDetails.bucketName' })).toContainText(
    'which matches',
  );
  await page.screenshot({ path: 'screenshots/rule-builder.png', fullPage: true });
  await builder.getByRole('button', { name: 'Remove filter data.freeformTags.team' }).click();
  await expect(result).toContainText('Matches: the rule');

  // JSON → builder.
  await json.fill('{"eventType": "com.oraclecloud.computeapi.launchinstance.end", "data": {"compartmentName": "prod"}}');
  await expect(builder.getByLabel('Chosen event types')).toContainText('computeapi.launchinstance.end');
  await expect(builder.getByRole('list', { name: 'Filters' })).toContainText('data.compartmentName');
  await expect(builder.getByRole('checkbox', { name: /Object created/ })).not.toBeChecked();

  // A broken JSON leaves the builder waiting for the fix.
  await json.fill('{"eventType": ');
  await expect(builder).toContainText('The JSON has a mistake');
  await expect(result).toContainText('Fix the condition to test it');

  // A pasted event: matched field by field.
  await json.fill('{"eventType": ["com.oraclecloud.computeapi.launchinstance.end"], "data": {"compartmentName": "prod"}}');
  await form.getByLabel('Event to test').selectOption('pasted');
  await form.getByLabel('Event JSON').fill('{"eventType": "com.oraclecloud.objectstorage.createbucket"}');
  await expect(result).toContainText('Does not match');
  await expect(result).toContainText('data is not in the event');
  await form.getByLabel('Event JSON').fill('{"eventType": "com.oraclecloud.computeapi.launchinstance.end", "data": {"compartmentName": "prod"}}');
  await expect(result).toContainText('Matches');
  await form.getByLabel('Event JSON').fill('{"eventType": ');
  await expect(result).toContainText('The pasted event is not JSON');

  // The header shows the page's connection and compartment, and nothing on pages without one.
  const header = page.locator('.top-bar');
  await expect(header.getByText('Compartment')).toBeVisible();
  await expect(header).toContainText('dev');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
  await expect(header.getByText('Compartment')).toBeHidden();
});

test('a rule has its own page: edit, disable, move, export and delete', async ({ page }) => {
  const form = await openRules(page);
  const name = `rule-page-${Date.now().toString(36)}`;
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Description', { exact: true }).fill('Launches, for the rule page');
  await form.getByLabel('Kind of action 1').selectOption('FAAS');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await expect(form.getByRole('status').last()).toContainText(`Created ${name}`);

  await page.getByRole('table', { name: 'Rules' }).getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  // The header repeats where the page works.
  const header = page.locator('.top-bar');
  await expect(header).toContainText('Built-in sandbox');
  await expect(header).toContainText('dev');
  await expect(page.getByRole('region', { name: 'What it matches and where it sends' })).toContainText(
    'signalbox-samples / bucket-change-processor',
  );

  // Export: the CLI document and the SDK's concrete action class.
  const exported = page.getByRole('region', { name: 'Export' });
  await expect(exported.getByRole('tabpanel')).toContainText('oci events rule create --from-json file://rule.json');
  await expect(exported.getByRole('tabpanel')).toContainText('"actionType": "FAAS"');
  await exported.getByRole('tab', { name: 'Python SDK' }).click();
  await expect(exported.getByRole('tabpanel')).toContainText('oci.events.models.CreateFaaSActionDetails(');
  await exported.getByRole('button', { name: 'Copy' }).click();
  await expect(exported.getByRole('button', { name: 'Copied' })).toBeVisible();
  await page.screenshot({ path: 'screenshots/rule-page.png', fullPage: true });
  await page.screenshot({ path: 'screenshots/rule-page-top.png' });

  // Edit through the same editor.
  const editor = page.getByRole('form', { name: 'Edit the rule' });
  await expect(editor.getByLabel('Name', { exact: true })).toHaveValue(name);
  await editor.getByLabel('Description', { exact: true }).fill('Edited on the rule page');
  await editor.getByRole('button', { name: 'Save changes' }).click();
  await expect(editor.getByRole('status').last()).toContainText(`Saved ${name}`);
  await expect(page.locator('.page-header')).toContainText('Edited on the rule page');

  // Disable, then move to another compartment after confirming.
  await page.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(page.locator('.fact-row')).toContainText('DISABLED');
  const move = page.getByRole('region', { name: 'Move to another compartment' });
  await move.getByLabel('Compartment').selectOption({ index: 1 });
  const target = await move.getByLabel('Compartment').evaluate((s: HTMLSelectElement) => s.selectedOptions[0].text);
  await move.getByRole('button', { name: 'Move', exact: true }).click();
  await move.getByRole('button', { name: 'Yes, move' }).click();
  await expect(page.locator('.fact-row')).toContainText(target);
  await expect(header).toContainText(target);

  // Delete: the name must be typed; then back to the list, without it.
  await page.getByRole('button', { name: 'Delete rule' }).click();
  const confirm = page.getByRole('group', { name: 'Delete rule' });
  await confirm.getByLabel(`Type ${name} to confirm`).fill(name);
  await confirm.getByRole('button', { name: 'Delete rule' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rules');
  await expect(page.getByRole('table', { name: 'Rules' }).getByRole('link', { name })).toHaveCount(0);
});
