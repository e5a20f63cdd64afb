import { APIRequestContext, expect, Page, test } from '@playwright/test';
import { ociCall } from './oci';
import { loginAs } from './session';

const PROD = 'ocid1.compartment.oc1..sandboxprod';

type Session = { teams: { team_id: number }[]; csrf_token: string };

/** The team, its sandbox connection, and the CSRF header of the signed-in admin. */
async function context(request: APIRequestContext) {
  const me: Session = await loginAs(request);
  const team = me.teams[0].team_id;
  const connections = await (await request.get(`/api/v1/teams/${team}/connections`)).json();
  const connection: number = connections.find((c: { kind: string }) => c.kind === 'sandbox').id;
  return { team, connection, headers: { 'x-csrf-token': me.csrf_token } };
}

async function post(request: APIRequestContext, path: string, headers: Record<string, string>, data: unknown) {
  const response = await request.post(path, { headers, data });
  expect(response.ok(), `${path}: ${response.status()} ${await response.text()}`).toBeTruthy();
  return response.json();
}

/** Two new compartments under prod, named for this run. */
async function compartments(page: Page, suffix: string): Promise<{ id: string; name: string }[]> {
  const made = [];
  for (const name of [`pay-${suffix}`, `ledger-${suffix}`]) {
    const c = await ociCall(page.request, 'POST', '/20160918/compartments', {
      compartmentId: PROD,
      name,
      description: `${name} project`,
    });
    made.push({ id: c.id, name });
  }
  return made;
}

// The CIS pack fanned out to two compartments in two regions, a rule disabled behind Signalbox's
// back, the failing cell found and explained in the compliance view, the fix (the deployment's
// plan for what is missing) applied from there, and the cell green again.
test('a failing compliance cell is explained and fixed from the view', async ({ page }) => {
  test.setTimeout(120_000);
  const { team, connection, headers } = await context(page.request);
  const suffix = Date.now().toString(36);
  const places = await compartments(page, suffix);
  const inbox = await post(page.request, `/api/v1/teams/${team}/inboxes`, headers, { name: `cis-${suffix}` });
  const template = await post(page.request, `/api/v1/teams/${team}/templates`, headers, {
    name: `CIS ${suffix}`,
    source: { starter: 'cis-oci-monitoring' },
  });
  const scope = { regions: ['us-ashburn-1', 'eu-frankfurt-1'], compartments: places.map((p) => p.id) };
  const request = {
    template_id: template.template.id,
    version: 1,
    connection_id: connection,
    scope,
    parameters: { prefix: 'sec', webhooks: [inbox.url] },
  };
  const sets = `/api/v1/teams/${team}/deployment-sets`;
  const review = await post(page.request, `${sets}/plan`, headers, request);
  expect(review.targets).toHaveLength(4);
  const started = await post(page.request, sets, headers, { ...request, name: `cis ${suffix}`, digest: review.digest });
  await expect
    .poll(async () => {
      const set = await (await page.request.get(`${sets}/${started.set_id}`)).json();
      return set.targets.map((t: { last_run?: { state: string } }) => t.last_run?.state).join(',');
    }, { timeout: 30_000 })
    .toBe('succeeded,succeeded,succeeded,succeeded');
  const check = await post(page.request, `/api/v1/teams/${team}/compliance`, headers, {
    name: `CIS ${suffix}`,
    connection_id: connection,
    scope,
    set_id: started.set_id,
  });
  const checkPath = `/api/v1/teams/${team}/compliance/${check.summary.id}/check`;
  // The inbox confirms each subscription as the sandbox delivers the confirmation.
  await expect
    .poll(async () => (await post(page.request, checkPath, headers, {})).summary.failing, { timeout: 30_000 })
    .toBe(0);

  // Out of band: the 4.5 rule (IAM groups) of one compartment in Ashburn is disabled.
  const pay = places[0];
  const rules = await (
    await page.request.get(`/api/v1/teams/${team}/connections/${connection}/rules?compartment_id=${pay.id}&refresh=true`)
  ).json();
  const rule = rules.items.find((r: { name: string }) => r.name.includes('-cis-4-5-'));
  expect(rule, JSON.stringify(rules)).toBeTruthy();
  await ociCall(page.request, 'PUT', `/20181201/rules/${rule.id}`, { isEnabled: false });

  await page.goto(`/t/${team}/compliance/${check.summary.id}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('.compliance-counts')).toContainText('0 failing');
  await page.getByRole('button', { name: 'Check now' }).click();
  const cell = (status: string) => page.getByRole('button', { name: `CIS 4.5 in ${pay.name} (us-ashburn-1): ${status}` });
  await expect(cell('fail')).toBeVisible();
  await expect(page.locator('.compliance-counts')).toContainText('1 failing');
  await page.screenshot({ path: 'screenshots/compliance-view.png', fullPage: true });

  await cell('fail').click();
  const explanation = page.locator('.cell-explanation');
  await expect(explanation).toContainText('matches every event type but is disabled');
  await expect(explanation).toContainText('-cis-4-5-');
  await explanation.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'screenshots/compliance-cell.png', fullPage: true });

  await explanation.getByRole('button', { name: 'Review the fix' }).click();
  const fix = page.getByRole('region', { name: 'The fix' });
  await expect(fix).toContainText('4 targets: 1 with changes, 3 unchanged.');
  const target = fix.locator('details.target-plan[open]');
  await expect(target).toHaveCount(1);
  await expect(target.locator(':scope > summary')).toContainText(`us-ashburn-1 · ${pay.name}`);
  await expect(target.locator(':scope > summary')).toContainText('1 change');
  await page.screenshot({ path: 'screenshots/compliance-fix.png', fullPage: true });
  await fix.getByRole('button', { name: 'Apply 1 changes and check again' }).click();
  await expect(cell('pass')).toBeVisible({ timeout: 45_000 });
  await expect(page.locator('.compliance-counts')).toContainText('0 failing');
  await page.screenshot({ path: 'screenshots/compliance-fixed.png', fullPage: true });

  // The evidence download names every cell.
  const csv = await page.request.get(`/api/v1/teams/${team}/compliance/${check.summary.id}/evidence?format=csv`);
  expect(csv.ok()).toBeTruthy();
  expect((await csv.text()).trim().split('\n')).toHaveLength(1 + 13 * 4);
});

// Fanning out from the deploy form: two compartments in two regions as one plan, grouped by
// target, applied, the set's page listing every target with its health, and a target in the
// other region verified end to end there.
test('the deploy form fans a template out to regions and compartments', async ({ page }) => {
  test.setTimeout(150_000);
  const { team, connection, headers } = await context(page.request);
  const suffix = Date.now().toString(36);
  const places = await compartments(page, `f${suffix}`);
  // The compartment list is kept (the inventory); read it again now the two are made.
  const listed = await page.request.get(`/api/v1/teams/${team}/connections/${connection}/compartments?refresh=true`);
  expect(listed.ok()).toBeTruthy();
  const template = await post(page.request, `/api/v1/teams/${team}/templates`, headers, {
    name: `Fan ${suffix}`,
    source: { starter: 'cis-oci-monitoring' },
  });
  await page.goto(`/t/${team}/pipelines/deploy?template=${template.template.id}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Deployment name').fill(`fan ${suffix}`);
  await page.getByLabel('Name prefix').fill('fan');
  await page.getByLabel('Fan out: apply to several regions and compartments as one plan').check();
  await page.getByLabel('Regions', { exact: true }).fill('us-ashburn-1, eu-frankfurt-1');
  const boxes = page.getByRole('group', { name: 'Compartments' });
  // The compartment the page opened on is ticked; only this run's two are wanted.
  for (const box of await boxes.getByRole('checkbox', { checked: true }).all()) {
    await box.uncheck();
  }
  for (const place of places) {
    await boxes.getByRole('checkbox', { name: new RegExp(`${place.name}$`) }).check();
  }
  await page.getByRole('button', { name: 'Review plan' }).click();
  const plan = page.getByRole('region', { name: /in 4 targets/ });
  await expect(plan).toContainText('4 targets: 4 with changes, 0 unchanged.');
  await expect(plan.locator('details.target-plan')).toHaveCount(4);
  await expect(plan.locator('details.target-plan summary').first()).toContainText(`eu-frankfurt-1 · ${places[1].name}`);
  await page.screenshot({ path: 'screenshots/fan-out-plan.png', fullPage: true });
  await plan.getByRole('button', { name: /Apply \d+ changes everywhere/ }).click();
  await expect(page).toHaveURL(/\/pipelines\/sets\/\d+/);
  const targets = page.getByRole('table', { name: 'Targets' });
  await expect(targets.locator('tbody tr')).toHaveCount(4);
  await expect(targets.getByText('succeeded')).toHaveCount(4, { timeout: 30_000 });

  // The set's health: every target read in its own region. The pack was deployed without
  // subscribers, so each target's topics reach no one: four broken targets, named with why.
  const health = page.getByRole('region', { name: 'Health' });
  await expect(health.getByRole('status')).toContainText('4 unchecked');
  await health.getByRole('button', { name: 'Check health' }).click();
  await expect(health.getByRole('status')).toContainText('4 broken', { timeout: 30_000 });
  await expect(health.locator('li.pipeline')).toHaveCount(4);
  await expect(health.locator('li.pipeline').first()).toContainText('has no ACTIVE subscription');
  await expect(targets.getByText('broken')).toHaveCount(4);
  await page.screenshot({ path: 'screenshots/fan-out-set.png', fullPage: true });

  // A target's entry opens the Health page of its compartment in its region, whose check reads
  // that region.
  const setPage = page.url();
  await health.locator('li.pipeline').first().getByRole('link').click();
  await expect(page).toHaveURL(/\/health\?.*region=eu-frankfurt-1/);
  await expect(page.getByText('region eu-frankfurt-1')).toBeVisible();
  await expect(page.getByRole('status')).toContainText('12 broken');
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.locator('li.pipeline')).toHaveCount(12, { timeout: 30_000 });
  await expect(page.locator('li.pipeline').first()).toContainText('fan-cis-4-');
  await page.screenshot({ path: 'screenshots/fan-out-health-frankfurt.png', fullPage: true });
  await page.goto(setPage);

  // A Frankfurt target is verified in Frankfurt: the probe goes through its first rule into the
  // team's verify inbox, subscribed on demand there.
  await targets.getByRole('row').filter({ hasText: 'eu-frankfurt-1' }).first().getByRole('link').click();
  await expect(page).toHaveURL(/\/pipelines\/deployments\/\d+/);
  const verify = page.locator('section.verify-section').first();
  await verify.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(verify.getByRole('status')).toContainText('every hop passed', { timeout: 60_000 });
  await page.screenshot({ path: 'screenshots/fan-out-verify-frankfurt.png', fullPage: true });
});
