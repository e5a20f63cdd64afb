import { test, expect } from '@playwright/test';
import { loginAs } from './session';

const CREATE_RULE = 'com.oraclecloud.eventsservice.createrule';
const CREATE_TOPIC = 'com.oraclecloud.notification.createtopic';

// A compartment of this test's own (the sandbox makes one on first use), so the events replayed
// are exactly the ones made here: a topic created and two rules, each announced by its service.
test('the rule editor replays an edit against the recent events', async ({ page }) => {
  const me = await loginAs(page.request);
  const team = me.teams[0].team_id;
  const connections = await (await page.request.get(`/api/v1/teams/${team}/connections`)).json();
  const connection = connections.find((c: { kind: string }) => c.kind === 'sandbox').id;
  const api = `/api/v1/teams/${team}/connections/${connection}`;
  const headers = { 'x-csrf-token': me.csrf_token };
  const suffix = Date.now().toString(36);
  const compartment = `ocid1.compartment.oc1..impact${suffix}`;
  const topic = await page.request.post(`${api}/topics`, {
    headers,
    data: { compartment_id: compartment, name: `impact-${suffix}` },
  });
  expect(topic.ok(), await topic.text()).toBeTruthy();
  const topicId = (await topic.json()).id;
  const rule = (name: string) =>
    page.request.post(`${api}/rules`, {
      headers,
      data: {
        compartment_id: compartment,
        name,
        condition: JSON.stringify({ eventType: [CREATE_RULE, CREATE_TOPIC] }),
        actions: [{ kind: 'ONS', target_id: topicId }],
      },
    });
  const first = await rule(`impact-a-${suffix}`);
  expect(first.ok(), await first.text()).toBeTruthy();
  expect((await rule(`impact-b-${suffix}`)).ok()).toBeTruthy();
  const id = (await first.json()).id;

  await page.goto(`/t/${team}/rules/${id}?connection=${connection}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  const form = page.getByRole('form', { name: 'Edit the rule' });
  const panel = form.locator('.impact-panel');
  // Unedited, the draft is the saved condition: the topic and both rules, nothing gained or lost.
  await expect(panel.locator('.impact-headline')).toHaveText(
    'This edit would have matched 3 events in the last 7 days (before: 3).',
  );
  await expect(panel.locator('.impact-delta')).toContainText('+0 gained');

  // Narrowed to rules: the topic's event is lost, and the example says which field no longer matches.
  await form.getByLabel('Condition (JSON)').fill(JSON.stringify({ eventType: [CREATE_RULE] }));
  await expect(panel.locator('.impact-headline')).toHaveText(
    'This edit would have matched 2 events in the last 7 days (before: 3).',
  );
  await expect(panel.locator('.delta-lost')).toHaveText('−1 lost');
  await expect(panel.getByRole('table')).toContainText(CREATE_TOPIC);
  const lost = panel.getByRole('region', { name: 'Lost events' });
  await lost.locator('summary').first().click();
  await expect(lost.locator('.check-miss')).toContainText('eventType');
  await expect(panel.locator('.impact-chart svg rect.bar-after')).toHaveCount(8);
  await page.screenshot({ path: 'screenshots/impact-rule-editor.png', fullPage: true });
  await panel.screenshot({ path: 'screenshots/impact-panel.png' });

  // A condition that does not parse is not replayed.
  await form.getByLabel('Condition (JSON)').fill('{"eventType": ');
  await expect(panel).toContainText('Fix the condition to replay it');
});
