import { test, expect, APIRequestContext } from '@playwright/test';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Two `signalbox serve` processes on one PostgreSQL, both sending OCI calls to one standalone
// `signalbox sandbox` (the cloud, which outlives them). An apply starts on the first; the browser
// watches the run on the second; the first is killed with SIGKILL mid-run; the second takes the
// run over when its lease expires and finishes it, and the page, never reloaded, shows every step
// of that as it happens: the first instance's progress (reaching the second through
// LISTEN/NOTIFY), then the second's own.

const bin = process.env.SIGNALBOX_BIN ?? resolve(__dirname, '../../target/debug/signalbox');
const siteRoot = process.env.SIGNALBOX_SITE_ROOT ?? resolve(__dirname, '../../target/site');
const testdata = resolve(__dirname, '../../server/src/oci/testdata');
const PASSWORD = 'cluster e2e admin password';
/** 32 bytes of 0x07, base64: the key both instances share. */
const MASTER_KEY = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=';
const TENANCY = 'ocid1.tenancy.oc1..aaaaaaaatestenancy';
const USER = 'ocid1.user.oc1..aaaaaaaatestuser';
const FINGERPRINT = '4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e';
const KEY_ID = `${TENANCY}/${USER}/${FINGERPRINT}`;
const COMPARTMENT = 'ocid1.compartment.oc1..sandboxprod';
const PAIRS = 4;

/** A process this spec started, with what it printed so far. */
class Started {
  output = '';
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
  }

  /** SIGKILL, then wait until the process is gone. */
  async kill() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGKILL');
    await gone;
  }
}

const started: Started[] = [];
const dirs: string[] = [];

function start(args: string[], env: Record<string, string>): Started {
  const child = spawn(bin, args, {
    env: { PATH: process.env.PATH ?? '', SIGNALBOX_LOG: 'warn', SIGNALBOX_SITE_ROOT: siteRoot, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const process_ = new Started(child);
  started.push(process_);
  return process_;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds: number, log: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${seconds} s; its output:\n${log()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The standalone sandbox, trusting the signing vectors' key; its base URL. */
async function startCloud(): Promise<string> {
  const cloud = start(['sandbox', '--listen', '127.0.0.1:0', '--trust-key', `${KEY_ID}=${join(testdata, 'vector_public.pem')}`], {});
  return until('the sandbox printed its URL', async () => cloud.output.match(/^http:\/\/\S+/m)?.[0], 30, () => cloud.output);
}

/** `signalbox serve` on `database`, with a data directory of its own; its base URL. */
async function startInstance(database: string, cloud: string): Promise<{ url: string; process: Started }> {
  const dir = mkdtempSync(join(tmpdir(), 'signalbox-cluster-'));
  dirs.push(dir);
  const process_ = start(['serve', '--listen', '127.0.0.1:0', '--data-dir', dir, '--oci-endpoint', cloud], {
    SIGNALBOX_ADMIN_PASSWORD: PASSWORD,
    SIGNALBOX_MASTER_KEY: MASTER_KEY,
    SIGNALBOX_DATABASE_URL: database,
    // "serving on http://…" is logged at info.
    SIGNALBOX_LOG: 'info',
  });
  const url = await until(
    'the instance said where it listens',
    async () => process_.output.match(/serving on http:\/\/(127\.0\.0\.1:\d+)/)?.[1],
    60,
    () => process_.output,
  );
  await until('the instance is ready', async () => ((await fetch(`http://${url}/healthz`)).ok ? true : undefined), 60, () => process_.output);
  return { url: `http://${url}`, process: process_ };
}

/** `body` sent to the cloud signed as OCI signs (the sandbox checks it like OCI). */
function signedPut(url: string, body: string): Promise<number> {
  const target = new URL(url);
  const headers: Record<string, string> = {
    date: new Date().toUTCString(),
    host: target.host,
    'content-length': String(Buffer.byteLength(body)),
    'content-type': 'application/json',
    'x-content-sha256': createHash('sha256').update(body).digest('base64'),
  };
  const names = ['date', '(request-target)', 'host', 'content-length', 'content-type', 'x-content-sha256'];
  const lines = names.map((name) =>
    name === '(request-target)' ? `${name}: put ${target.pathname}${target.search}` : `${name}: ${headers[name]}`,
  );
  const signature = createSign('RSA-SHA256').update(lines.join('\n')).sign(readFileSync(join(testdata, 'vector_pkcs1.pem')), 'base64');
  headers.authorization =
    `Signature version="1",keyId="${KEY_ID}",algorithm="rsa-sha256",headers="${names.join(' ')}",signature="${signature}"`;
  return new Promise((done, fail) => {
    const sent = httpRequest(target, { method: 'PUT', headers }, (answer) => {
      answer.resume();
      answer.on('end', () => done(answer.statusCode ?? 0));
    });
    sent.on('error', fail);
    sent.end(body);
  });
}

/** Notifications calls take `ons` ms, Events calls `events` ms, in the cloud. */
async function slowDown(cloud: string, ons: number, events: number) {
  const body = JSON.stringify({ services: { notifications: { latencyMs: ons }, events: { latencyMs: events } } });
  expect(await signedPut(`${cloud}/sandbox/v1/faults`, body)).toBe(200);
}

/** PAIRS topics, each with an e-mail subscription and a rule notifying it. */
function pairsTemplate() {
  const range = [...Array(PAIRS).keys()];
  return {
    format: 'signalbox.template/v1',
    name: `${PAIRS} pairs`,
    parameters: [{ name: 'prefix', type: 'string', required: true }],
    topics: range.map((i) => ({ key: `t${i}`, name: `{{prefix}}-topic-${i}` })),
    subscriptions: range.map((i) => ({ key: `s${i}`, topic: `t${i}`, protocol: 'EMAIL', endpoint: `oncall-${i}@example.com` })),
    rules: range.map((i) => ({
      key: `r${i}`,
      name: `{{prefix}}-rule-${i}`,
      condition: { eventType: ['com.oraclecloud.computeapi.launchinstance.end'] },
      actions: [{ kind: 'ONS', topic: `t${i}` }],
    })),
  };
}

async function post(request: APIRequestContext, url: string, csrf: string, data: unknown) {
  const answer = await request.post(url, { headers: { 'x-csrf-token': csrf }, data });
  expect(answer.status(), `${url}: ${await answer.text()}`).toBe(200);
  return answer.json();
}

test.afterAll(async () => {
  for (const process_ of started.reverse()) await process_.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('a browser on the second instance follows a run the first began, through its takeover, to the end', async ({ page }) => {
  const server = process.env.SIGNALBOX_TEST_POSTGRES;
  expect(server, 'SIGNALBOX_TEST_POSTGRES (run under .ci/with-postgres)').toBeTruthy();
  // The throwaway server is this suite's alone: its default database will do.
  const database = `${server}/postgres`;
  const cloud = await startCloud();
  const first = await startInstance(database, cloud);
  const second = await startInstance(database, cloud);

  // Signed in on the first; the session lives in the database, so the second honours it (the
  // cookie is the host's, whatever the port: no sticky sessions needed).
  const login = await page.request.post(`${first.url}/api/v1/auth/login`, { data: { username: 'admin', password: PASSWORD } });
  expect(login.status()).toBe(200);
  const me = await login.json();
  const team = me.teams[0].team_id;
  const csrf = me.csrf_token;
  const onFirst = `${first.url}/api/v1/teams/${team}`;
  expect((await page.request.get(`${second.url}/api/v1/auth/me`)).status()).toBe(200);

  const connection = await post(page.request, `${onFirst}/connections`, csrf, {
    name: 'cloud',
    source: { from: 'fields', tenancy: TENANCY, user: USER, fingerprint: FINGERPRINT, region: 'us-ashburn-1' },
    private_key: readFileSync(join(testdata, 'vector_pkcs1.pem'), 'utf8'),
  });
  const created = await post(page.request, `${onFirst}/templates`, csrf, { source: { document: pairsTemplate() } });
  const target = {
    template_id: created.template.id,
    version: 1,
    connection_id: connection.id,
    compartment_id: COMPARTMENT,
    parameters: { prefix: 'takeover' },
  };
  const review = await post(page.request, `${onFirst}/deployments/plan`, csrf, target);
  // Slow rules leave a window in which the topics are done and every rule is in flight.
  await slowDown(cloud, 300, 5_000);
  const run = await post(page.request, `${onFirst}/deployments`, csrf, { ...target, name: 'takeover', digest: review.digest });
  const total = 3 * PAIRS;
  expect(run.steps).toHaveLength(total);

  // The run's page, on the second instance.
  await page.goto(`${second.url}/t/${team}/pipelines/deployments/${run.deployment_id}?run=${run.run.id}`);
  await expect(page.locator('.page-header')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as unknown as { loadedOnce: boolean }).loadedOnce = true));
  const steps = page.locator('.run-step');
  const done = page.locator('.run-step[data-state="done"]');
  await expect(steps).toHaveCount(total);
  await expect(page.locator('.run-header')).toHaveAttribute('data-state', 'running');

  // The first instance's progress reaches the page on the second: the topics get done.
  await expect.poll(() => done.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(PAIRS);
  const before = await done.count();
  expect(before).toBeLessThan(total);
  // The run's row in the table below follows it too.
  const row = page.getByRole('table', { name: 'Runs' }).getByRole('row', { name: /#1/ });
  await expect(row).toContainText(`${before} / ${total}`);
  await first.process.kill();
  // The first's lease has seconds to run: the page still shows where it stopped.
  await page.screenshot({ path: 'screenshots/cluster-run-after-kill.png', fullPage: true });
  expect(await done.count()).toBe(before);

  // The second instance takes the run over once the first's lease expires, and the page shows
  // it finish.
  await expect(page.locator('.run-header')).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 });
  await expect(done).toHaveCount(total);
  await expect(page.locator('.run-header')).toContainText(`${total} of ${total} steps done`);
  await expect(page.locator('.run-header [data-note="takeover"]')).toContainText(
    'resumed on another instance at',
  );
  await expect(row).toContainText(`${total} / ${total}`);
  expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  await page.screenshot({ path: 'screenshots/cluster-run-taken-over.png' });

  // The takeover is audited, the chain is one chain, and the cloud holds each resource once.
  const audit = await (await page.request.get(`${second.url}/api/v1/audit?action=deployment.takeover`)).json();
  expect(audit.entries).toHaveLength(1);
  const chain = await (await page.request.get(`${second.url}/api/v1/audit/verify`)).json();
  expect(chain.intact).toBe(true);
  await slowDown(cloud, 0, 0);
  const onSecond = `${second.url}/api/v1/teams/${team}/connections/${connection.id}`;
  const names = async (kind: string) => {
    const answer = await page.request.get(`${onSecond}/${kind}?compartment_id=${COMPARTMENT}&limit=200&refresh=true`);
    expect(answer.status()).toBe(200);
    return ((await answer.json()).items as { name: string }[]).map((item) => item.name).sort();
  };
  const range = [...Array(PAIRS).keys()];
  expect(await names('topics')).toEqual(range.map((i) => `takeover-topic-${i}`));
  expect(await names('rules')).toEqual(range.map((i) => `takeover-rule-${i}`));
});
