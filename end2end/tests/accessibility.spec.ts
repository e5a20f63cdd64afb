import { test, expect, APIRequestContext, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { loginAs } from './session';

/** Every signed-in page without an id in its address (team 1 is the first administrator's). */
const pages = [
  '/',
  '/t/1/pipelines',
  '/t/1/pipelines/deploy',
  '/t/1/health',
  '/t/1/rules',
  '/t/1/topics',
  '/t/1/inboxes',
  '/t/1/sandbox',
  '/t/1/audit/cloud',
  '/t/1/settings',
  '/audit',
  '/settings',
  '/account/password',
  '/no/such/page',
];

/** The serious and critical violations axe finds on the page as it is. */
async function serious(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return found.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A topic, a rule sending to it, a template and an audit entry, for the pages with an id. */
async function pagesWithIds(request: APIRequestContext): Promise<string[]> {
  const me = await loginAs(request);
  const headers = { 'x-csrf-token': me.csrf_token };
  const connections = await (await request.get('/api/v1/teams/1/connections')).json();
  const sandbox = connections.find((c: { kind: string }) => c.kind === 'sandbox');
  const scope = `/api/v1/teams/1/connections/${sandbox.id}`;
  const compartments = await (await request.get(`${scope}/compartments`)).json();
  const compartment = compartments[0].id;
  const suffix = Date.now().toString(36);
  const topic = await request.post(`${scope}/topics`, {
    headers,
    data: { compartment_id: compartment, name: `axe-${suffix}`, description: '' },
  });
  expect(topic.status()).toBe(200);
  const topicId = (await topic.json()).id;
  const rule = await request.post(`${scope}/rules`, {
    headers,
    data: {
      compartment_id: compartment,
      name: `axe-${suffix}`,
      description: '',
      condition: '{"eventType": ["com.oraclecloud.objectstorage.createobject"]}',
      is_enabled: true,
      actions: [{ kind: 'ONS', target_id: topicId, is_enabled: true, description: '' }],
    },
  });
  expect(rule.status()).toBe(200);
  const template = await request.post('/api/v1/teams/1/templates', {
    headers,
    data: { name: `axe-${suffix}`, source: { starter: 'iam-change-alerts' } },
  });
  expect(template.status()).toBe(200);
  const audit = await (await request.get('/api/v1/audit')).json();
  return [
    `/t/1/topics/${topicId}?connection=${sandbox.id}`,
    `/t/1/rules/${(await rule.json()).id}?connection=${sandbox.id}`,
    `/t/1/pipelines/templates/${(await template.json()).template.id}`,
    `/audit/${audit.entries[0].id}`,
  ];
}

test('the sign-in page has no serious accessibility violations', async ({ browser }) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await context.close();
  }
});

for (const scheme of ['light', 'dark'] as const) {
  for (const path of pages) {
    test(`${path} has no serious accessibility violations (${scheme})`, async ({ browser }) => {
      const context = await browser.newContext({ colorScheme: scheme });
      await loginAs(context.request);
      const page = await context.newPage();
      await page.goto(path);
      await expect(page.locator('.app-frame, .login-card, .empty-state').first()).toBeVisible();
      expect(await serious(page)).toEqual([]);
      await context.close();
    });
  }

  test(`the rule create form, opened from the rules page, has no serious accessibility violations (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme });
    await loginAs(context.request);
    const page = await context.newPage();
    await page.goto('/t/1/rules');
    await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
    await page.getByRole('button', { name: 'Create a rule' }).click();
    await expect(page.getByRole('form', { name: 'Create a rule' }).getByLabel('Name', { exact: true })).toBeFocused();
    expect(await serious(page)).toEqual([]);
    await context.close();
  });

  // A deployment's page is checked where one is made (pipelines.spec.ts).
  test(`pages of one topic, rule, template and audit entry have no serious accessibility violations (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    for (const path of await pagesWithIds(context.request)) {
      await page.goto(path);
      await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
      await expect(page.locator('.error-panel')).toHaveCount(0);
      expect(await serious(page), path).toEqual([]);
    }
    await context.close();
  });
}
