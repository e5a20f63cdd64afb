import { chromium } from '@playwright/test';
const [url, cookiesJson] = process.argv.slice(2);
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
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
    if (hydrated()) { window.__hydratedAt = performance.now(); observer.disconnect(); }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
});
const page = await context.newPage();
async function load() {
  await page.goto(url);
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    const r = performance.getEntriesByType('resource').map(e => `${e.name.replace(location.origin,'').slice(0,60)} start=${e.startTime.toFixed(0)} end=${e.responseEnd.toFixed(0)} size=${e.transferSize}`);
    return { hydrated: window.__hydratedAt.toFixed(0), respEnd: n.responseEnd.toFixed(0), dcl: n.domContentLoadedEventEnd.toFixed(0), load: n.loadEventEnd.toFixed(0), r };
  });
}
await load();
for (let i = 0; i < 3; i++) console.log(JSON.stringify(await load(), null, 1));
await browser.close();
