import { defineConfig, devices } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The server under test: the binary cargo-leptos built, on its own port, with a fresh data
// directory, so a developer's running instance on :3000 is never touched. `.ci/test` sets these;
// the defaults fit a plain `cargo leptos build` in this checkout.
const port = process.env.SIGNALBOX_E2E_PORT ?? '3110';
const bin = process.env.SIGNALBOX_BIN ?? resolve(__dirname, '../target/debug/signalbox');
const siteRoot = process.env.SIGNALBOX_SITE_ROOT ?? resolve(__dirname, '../target/site');
// Kept in the environment, which the test workers inherit: a test that acts as an OCI client of
// the built-in sandbox reads the sandbox's key from here (tests/oci.ts).
const dataDir = (process.env.SIGNALBOX_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'signalbox-e2e-')));
export const adminPassword = 'e2e admin password';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1360, height: 860 },
        // Debian's Chromium; Playwright never downloads a browser here. The flags keep it from
        // calling home (this machine has no route out, and nothing in a test may leave 127.0.0.1).
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: {
    command: `"${bin}" serve --listen 127.0.0.1:${port} --data-dir "${dataDir}"`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: {
      SIGNALBOX_SITE_ROOT: siteRoot,
      SIGNALBOX_LOG: 'warn',
      SIGNALBOX_ADMIN_PASSWORD: adminPassword,
      // Added connections reach the embedded sandbox, which also answers as this host's instance
      // metadata service, so an instance-principal connection is tried end to end on loopback.
      SIGNALBOX_OCI_ENDPOINT: `http://127.0.0.1:${port}/oci-sandbox`,
      SIGNALBOX_HOST_PRINCIPALS: 'true',
      SIGNALBOX_SANDBOX_METADATA_SERVICE: 'true',
      OCI_METADATA_BASE_URL: `http://127.0.0.1:${port}/oci-sandbox/opc/v2`,
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
