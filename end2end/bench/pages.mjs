// `make bench`, parts 1 and 2: what a browser downloads for each page, and how soon /sign-in
// paints, can be used and has hydrated. Loads the pages in Debian's Chromium through
// Playwright and sums the responses it received (not a listing of files).
// Usage: node pages.mjs <site-url> <emulator-url>
import { chromium } from '@playwright/test';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const [site, emulator] = process.argv.slice(2);
const RUNS = 7;
const launchArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: launchArgs });

/** A confirmed, signed-in account; returns its cookies (storage state) for fresh contexts. */
async function signedIn() {
  const context = await browser.newContext({ baseURL: site });
  const page = await context.newPage();
  const email = `bench-${Date.now()}@example.com`;
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('Correct-Horse-9');
  await page.getByLabel('Given name').fill('Ada');
  await page.getByLabel('Family name').fill('Lovelace');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/confirm$/);
  let code = '';
  for (let i = 0; i < 50 && !code; i++) {
    const mails = await (await fetch(`${emulator}/_dev/mailbox?to=${encodeURIComponent(email)}`)).json();
    code = mails.length ? mails[mails.length - 1].code : '';
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  await page.getByLabel('Confirmation code').fill(code);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForURL(new RegExp(`^${site}/$`));
  const state = await context.storageState();
  await context.close();
  return state;
}

/** Loads `path` in a fresh context (empty cache) and sums every response by kind. */
async function pageBytes(path, storageState) {
  const context = await browser.newContext({ baseURL: site, storageState });
  const page = await context.newPage();
  const responses = [];
  page.on('response', (r) => responses.push(r));
  await page.goto(path);
  // Every island has hydrated (hydration.js marks it) or the page has none.
  await page.waitForFunction(
    () => !document.querySelector('leptos-island') || document.documentElement.dataset.hydrated,
    null, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  const sums = { raw: 0, gzip: 0, brotli: 0, served: 0, files: 0, wasm: 0 };
  for (const r of responses) {
    if (r.status() >= 300 && r.status() < 400) continue;
    const body = await r.body().catch(() => null);
    if (!body) continue;
    const sizes = await r.request().sizes();
    sums.files += 1;
    if (r.url().endsWith('.wasm')) sums.wasm += 1;
    sums.raw += body.length;
    sums.gzip += gzipSync(body, { level: 9 }).length;
    sums.brotli += brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    sums.served += sizes.responseBodySize;
  }
  await context.close();
  return sums;
}

/** First contentful paint, usable (the submit button is in the page, enabled and painted) and
 * hydrated (every island ran; `hydration.js` marks it). */
async function signInTimings() {
  const context = await browser.newContext({ baseURL: site });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const seen = () => {
      const b = document.querySelector('form button[type=submit]');
      if (b && !b.disabled && !window.__usable) window.__usable = performance.now();
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  });
  await page.goto('/sign-in');
  await page.waitForFunction(() => document.documentElement.dataset.hydrated, null, { timeout: 30_000 });
  const t = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    // A button can be clicked once it is in the page and painted.
    return { fcp, usable: Math.max(window.__usable ?? NaN, fcp), hydrated: Number(document.documentElement.dataset.hydrated) };
  });
  await context.close();
  return t;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const kb = (n) => (n / 1000).toFixed(1).padStart(7);

const state = await signedIn();
const pages = [
  ['/sign-in', undefined], ['/sign-up', undefined], ['/confirm', undefined],
  ['/', state], ['/settings', state], ['/two-factor', state],
];
console.log('\n1. Bytes per page (HTML + wasm + js + css + icon), fresh browser context, KB (1000 B)');
console.log('page          files  wasm files      raw     gzip   brotli   served');
for (const [path, storage] of pages) {
  const s = await pageBytes(path, storage);
  console.log(`${path.padEnd(14)}${String(s.files).padStart(5)}${String(s.wasm).padStart(11)}  ${kb(s.raw)}  ${kb(s.gzip)}  ${kb(s.brotli)}  ${kb(s.served)}`);
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await signInTimings());
console.log(`\n2. /sign-in timings, median of ${RUNS} fresh contexts, ms from navigation start`);
for (const k of ['fcp', 'usable', 'hydrated']) {
  console.log(`${k.padEnd(10)}${median(runs.map((r) => r[k])).toFixed(0).padStart(7)}`);
}
await browser.close();
