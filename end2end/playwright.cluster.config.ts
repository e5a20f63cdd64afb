import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Two `signalbox serve` processes on one PostgreSQL, with a browser on the second (issue 24). The
// spec starts its own processes (one of them is killed mid-test), so there is no webServer here;
// it needs SIGNALBOX_TEST_POSTGRES, which `.ci/with-postgres` sets:
//
//   .ci/with-postgres npx playwright test -c playwright.cluster.config.ts
export default defineConfig({
  ...base,
  testDir: './cluster',
  timeout: 180_000,
  fullyParallel: false,
  workers: 1,
  use: { ...base.use, baseURL: undefined },
  webServer: undefined,
});
