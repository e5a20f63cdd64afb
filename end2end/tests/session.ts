import { APIRequestContext, expect } from '@playwright/test';

/** The first administrator's password, given to the server by playwright.config.ts. */
export const ADMIN_PASSWORD = 'e2e admin password';

/** Logs in through the API; the browser context keeps the session cookie. */
export async function loginAs(request: APIRequestContext, username = 'admin', password = ADMIN_PASSWORD) {
  const response = await request.post('/api/v1/auth/login', { data: { username, password } });
  expect(response.status()).toBe(200);
  return response.json();
}

/** The id of the team named `name`, as the signed-in site administrator of `request` sees it. */
export async function teamId(request: APIRequestContext, name: string): Promise<number> {
  const teams: { id: number; name: string }[] = await (await request.get('/api/v1/teams')).json();
  const team = teams.find((t) => t.name === name);
  expect(team, `team ${name}`).toBeTruthy();
  return team!.id;
}
