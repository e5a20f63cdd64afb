import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { loginAs } from './session';

async function hydrated(page: Page) {
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
}

test('the infra-alerts starter: planned, applied live, re-applied as no-op, drift found, destroyed', async ({ page }) => {
  test.setTimeout(120_000);
  const me = await loginAs(page.request);
  const team = me.teams[0].team_id;
  const csrf = me.csrf_token;
  const prefix = `e2e${Date.now().toString(36)}`;
  const name = `infra ${prefix}`;

  // The starter goes into the library.
  await page.goto(`/t/${team}/pipelines`);
  await hydrated(page);
  await page.locator('[data-starter="infra-alerts"]').getByRole('button', { name: 'Add to library' }).click();
  const library = page.getByRole('table', { name: 'Templates' });
  await expect(library.getByRole('row', { name: /Infra alerts/ }).first()).toBeVisible();
  await page.screenshot({ path: 'screenshots/pipelines.png', fullPage: true });

  // Its parameters, and the plan: three creates.
  await library.getByRole('row', { name: /Infra alerts/ }).first().getByRole('link', { name: 'Deploy' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Deploy a template');
  await hydrated(page);
  await page.getByLabel('Deployment name').fill(name);
  await page.getByLabel('Name prefix').fill(prefix);
  await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/alerts');
  await page.getByRole('button', { name: 'Review plan' }).click();
  const review = page.locator('.plan-review');
  await expect(review.locator('.plan-change[data-action="create"]')).toHaveCount(3);
  await expect(review).toContainText(`${prefix}-infra-alerts`);
  await expect(review).toContainText(`${prefix}-instance-state-changes`);
  await page.screenshot({ path: 'screenshots/pipeline-plan.png', fullPage: true });

  // Apply: the run's steps, live, all done.
  await review.getByRole('button', { name: 'Apply 3 changes' }).click();
  await expect(page).toHaveURL(/\/pipelines\/deployments\/\d+\?run=\d+/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await hydrated(page);
  await expect(page.locator('.run-step')).toHaveCount(3);
  await expect(page.locator('.run-header')).toHaveAttribute('data-state', 'succeeded');
  await expect(page.locator('.run-step[data-state="done"]')).toHaveCount(3);
  await expect(page.getByRole('table', { name: 'Resources' }).getByRole('row')).toHaveCount(4);
  await page.screenshot({ path: 'screenshots/pipeline-applied.png', fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  const deployment = Number(new URL(page.url()).pathname.split('/').pop());

  // The same again: nothing to change, and applying it is an empty run.
  await page.getByRole('button', { name: 'Plan again' }).click();
  await expect(review.locator('.plan-change')).toHaveCount(3);
  await expect(review.locator('.plan-change[data-action="no change"]')).toHaveCount(3);
  await expect(review).toContainText('Everything already matches');
  await review.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.locator('.run-header')).toContainText('0 of 0 steps done');
  await expect(page.locator('.run-header')).toHaveAttribute('data-state', 'succeeded');

  // Verify the deployment's rule end to end: the team's verify inbox is subscribed to the
  // deployment's topic on demand (the starter's own webhook points nowhere), and every hop passes.
  const verify = page.locator('.verify-section', { hasText: `Verify ${prefix}-instance-state-changes` });
  await verify.getByLabel('Remove the inbox subscription afterwards').check();
  await verify.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(verify.locator('.verify-report')).toContainText('every hop passed', { timeout: 60_000 });
  await expect(verify.locator('.hop[data-ok="true"]')).toHaveCount(6);
  await page.screenshot({ path: 'screenshots/pipeline-verified.png', fullPage: true });

  // Behind Signalbox's back: the rule's condition changed outside the deployment.
  const detail = await (await page.request.get(`/api/v1/teams/${team}/deployments/${deployment}`)).json();
  const rule = detail.resources.find((r: { kind: string }) => r.kind === 'rule');
  const changed = await page.request.patch(
    `/api/v1/teams/${team}/connections/${detail.summary.connection_id}/rules/${rule.id}`,
    {
      headers: { 'x-csrf-token': csrf },
      data: { condition: '{"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}' },
    },
  );
  expect(changed.status()).toBe(200);
  await hydrated(page);
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.locator('.drift-line')).toContainText('drifted');
  const drifted = page.locator('.plan-change[data-action="update"]');
  await expect(drifted).toContainText(`${prefix}-instance-state-changes`);
  await expect(drifted.locator('.plan-field[data-field="condition"] tr[data-change]:not([data-change=""])').first()).toBeVisible();
  await expect(drifted.locator('.plan-field[data-field="condition"]')).toContainText('terminateinstance.end');
  await page.screenshot({ path: 'screenshots/pipeline-drift.png', fullPage: true });

  // Destroy: a reviewed plan of deletes, applied; the sandbox is as it was.
  await page.getByRole('button', { name: 'Destroy' }).click();
  await page.getByLabel(`Type ${name} to confirm`).fill(name);
  await page.getByRole('group', { name: 'Destroy' }).getByRole('button', { name: 'Destroy' }).click();
  await expect(review.locator('.plan-change[data-action="delete"]')).toHaveCount(3);
  await review.getByRole('button', { name: 'Apply destroy' }).click();
  await expect(page.locator('.run-header')).toHaveAttribute('data-state', 'succeeded');
  await expect(page.locator('.fact-row')).toContainText('destroyed');
  await page.screenshot({ path: 'screenshots/pipeline-destroyed.png', fullPage: true });
  const compartment = detail.summary.compartment_id;
  const scope = `/api/v1/teams/${team}/connections/${detail.summary.connection_id}`;
  const topics = (await (await page.request.get(`${scope}/topics?compartment_id=${compartment}&limit=200`)).json()).items;
  const rules = (await (await page.request.get(`${scope}/rules?compartment_id=${compartment}&limit=200`)).json()).items;
  expect(topics.filter((t: { name: string }) => t.name.startsWith(prefix))).toEqual([]);
  expect(rules.filter((r: { name: string }) => r.name.startsWith(prefix))).toEqual([]);
});

test('a template version is published, its page shows what changed, and it downloads as a file', async ({ page }) => {
  const me = await loginAs(page.request);
  const team = me.teams[0].team_id;
  const name = `iam-${Date.now().toString(36)}`;
  const response = await page.request.post(`/api/v1/teams/${team}/templates`, {
    headers: { 'x-csrf-token': me.csrf_token },
    data: { name, source: { starter: 'iam-change-alerts' } },
  });
  expect(response.status()).toBe(200);
  const created = await response.json();
  await page.goto(`/t/${team}/pipelines/templates/${created.template.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await hydrated(page);

  const editor = page.getByLabel('Document (JSON)');
  const document = JSON.parse(await editor.inputValue());
  document.description = 'IAM changes, reviewed every week';
  await editor.fill(JSON.stringify(document, null, 2));
  await page.getByLabel('What changed').fill('Reworded the description');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/version=2/);
  const versions = page.getByRole('table', { name: 'Versions' });
  await expect(versions.getByRole('row')).toHaveCount(3);
  await expect(versions).toContainText('Reworded the description');
  const diff = page.getByRole('table', { name: 'Before and after, line by line' });
  await expect(diff.locator('tr[data-change="changed"]')).toHaveCount(1);
  await expect(diff.locator('tr[data-change="changed"] .diff-add')).toContainText('reviewed every week');
  await page.screenshot({ path: 'screenshots/template-versions.png', fullPage: true });

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download v2' }).click(),
  ]);
  const file = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(file.format).toBe('signalbox.template/v1');
  expect(file.description).toBe('IAM changes, reviewed every week');
});
