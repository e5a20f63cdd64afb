import { APIRequestContext, expect } from '@playwright/test';
import { createHash, createPrivateKey, createPublicKey, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The built-in sandbox's first tenancy and the user its key belongs to (server/src/builtin.rs). */
const TENANCY = 'ocid1.tenancy.oc1..aaaaaaaasignalboxsandbox';
const USER = 'ocid1.user.oc1..aaaaaaaasignalboxbuiltin';

/**
 * Sends a request to the built-in sandbox as an OCI client would: signed (draft-cavage, the
 * headers OCI requires) with the first team's key, which the server keeps in its data directory.
 * For tests that change the "cloud" the way a user would fix it outside Signalbox.
 */
export async function ociCall(request: APIRequestContext, method: 'POST' | 'PUT', path: string, body: unknown) {
  const dataDir = process.env.SIGNALBOX_E2E_DATA_DIR;
  expect(dataDir, 'playwright.config.ts puts the data directory in the environment').toBeTruthy();
  const pem = readFileSync(join(dataDir!, 'sandbox', 'api_key.pem'), 'utf8');
  const key = createPrivateKey(pem);
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('md5').update(der).digest('hex').match(/../g)!.join(':');
  const url = new URL(`/oci-sandbox${path}`, process.env.PLAYWRIGHT_TEST_BASE_URL ?? baseURL());
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    date: new Date().toUTCString(),
    host: url.host,
    'x-content-sha256': createHash('sha256').update(text).digest('base64'),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text).toString(),
  };
  const signed = ['date', '(request-target)', 'host', 'x-content-sha256', 'content-type', 'content-length'];
  const target = `${method.toLowerCase()} ${url.pathname}${url.search}`;
  const lines = signed.map((h) => (h === '(request-target)' ? `${h}: ${target}` : `${h}: ${headers[h]}`));
  const signature = createSign('RSA-SHA256').update(lines.join('\n')).sign(key, 'base64');
  headers.authorization =
    `Signature version="1",keyId="${TENANCY}/${USER}/${fingerprint}",algorithm="rsa-sha256",` +
    `headers="${signed.join(' ')}",signature="${signature}"`;
  const response = await request.fetch(url.toString(), { method, headers, data: text });
  expect(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`).toBeTruthy();
  return response.json();
}

function baseURL(): string {
  return `http://127.0.0.1:${process.env.SIGNALBOX_E2E_PORT ?? '3110'}`;
}

/** The built-in tenancy's OCID, where a policy for the whole sandbox is attached. */
export const SANDBOX_TENANCY = TENANCY;
