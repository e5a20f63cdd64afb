// Time to interactive of one page in Chromium (the serving benchmark, .ci/bench_serving.py): from
// navigation start until the app frame and the page header both say data-hydrated="true" (the
// WebAssembly has taken over the page), recorded in the page by a MutationObserver so polling adds
// nothing. A warm-up load first (the browser's cache then holds the assets, as for anyone who has
// opened the console before), then 15 loads; prints {runs, p50, p95, cold} in milliseconds.
//
// Usage: node bench/tti.mjs URL COOKIES_JSON
import { chromium } from '@playwright/test';

const [url, cookiesJson] = process.argv.slice(2);
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
await context.addCookies(Object.entries(JSON.parse(cookiesJson)).map(([name, value]) => ({ name, value, url: origin })));
await context.addInitScript(() => {
  const hydrated = () =>
    document.querySelector('.app-frame')?.getAttribute('data-hydrated') === 'true' &&
    document.querySelector('.page-header')?.getAttribute('data-hydrated') === 'true';
  new MutationObserver((_, observer) => {
    if (hydrated()) {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
});
const page = await context.newPage();

async function load() {
  await page.goto(url);
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => window.__hydratedAt);
}

const cold = await load();
const times = [];
for (let i = 0; i < 15; i++) times.push(await load());
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
console.log(JSON.stringify({ runs: times.length, p50: at(0.5), p95: at(0.95), cold }));
await browser.close();
