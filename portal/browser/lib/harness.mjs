// Browser test harness shared by every portal/browser/tests/*.test.mjs file.
//
// Tests run under node's built-in runner (node --test), one file per process,
// against a portal already serving at PORTAL_URL (the Go test in
// browser_test.go starts one with demo data). playwright-core drives Debian's
// chromium; axe-core checks WCAG 2.2 A and AA.
//
//   import { test } from 'node:test';
//   import { baseURL, newPage, expectNoAxeViolations, signIn, demoPassword } from '../lib/harness.mjs';
//
//   test('my page', async (t) => {
//     const page = await newPage(t);
//     await signIn(page, 'someone@example.org', demoPassword);
//     await gotoOK(page, '/my-page');
//     await expectNoAxeViolations(page, 'my page');
//   });

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after } from 'node:test';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Base URL of the running portal, without a trailing slash (env PORTAL_URL). */
export const baseURL = (process.env.PORTAL_URL || '').replace(/\/+$/, '');

/** Password of every demo account (env PORTAL_DEMO_PASSWORD, set by the Go test). */
export const demoPassword = process.env.PORTAL_DEMO_PASSWORD || '';

/** Service name the portal was started with (env PORTAL_SERVICE_NAME), or '' if not given. */
export const serviceName = process.env.PORTAL_SERVICE_NAME || '';

/** Path of the chromium binary (env CHROMIUM_PATH, default Debian's /usr/bin/chromium). */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags chromium is launched with. Playwright also gives every launch a fresh,
 * temporary --user-data-dir of its own, removed when the browser closes. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WCAG rule sets axe-core checks (WCAG 2.0, 2.1 and 2.2, levels A and AA). */
export const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let browserPromise = null;

/** The shared browser for this test file, launched on first use. */
export function browser() {
  if (!browserPromise) {
    browserPromise = chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      timeout: 60_000,
    });
  }
  return browserPromise;
}

after(async () => {
  if (browserPromise) {
    const b = await browserPromise.catch(() => null);
    if (b) await b.close();
  }
});

/**
 * A page in a fresh browser context (own cookies and storage), with baseURL
 * set so page.goto('/path') works. Pass the test context `t` to close the
 * context when the test ends; otherwise it closes with the browser.
 */
export async function newPage(t) {
  assert.ok(baseURL, 'PORTAL_URL is not set: run these tests through `go test ./portal/browser` or set PORTAL_URL');
  const b = await browser();
  const context = await b.newContext({ baseURL, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  if (t && typeof t.after === 'function') {
    t.after(() => context.close());
  }
  return context.newPage();
}

/** Navigates to path and asserts the response status (default 200). Returns the response. */
export async function gotoOK(page, path, status = 200) {
  const resp = await page.goto(path);
  assert.ok(resp, `no response for ${path}`);
  assert.equal(resp.status(), status, `GET ${path}: status ${resp.status()}, want ${status}`);
  return resp;
}

/**
 * Runs axe-core on the page and fails listing every violation (rule id, impact,
 * help and the CSS target of each failing node). The portal's CSP forbids
 * inline script, so axe is injected through the DevTools protocol
 * (page.evaluate), which the page's CSP does not govern. With
 * { bestPractice: true } axe's best-practice rules are checked too.
 */
export async function expectNoAxeViolations(page, label, { bestPractice = false } = {}) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) {
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => `${n.target.join(' ')}  ${(n.html || '').slice(0, 160)}`),
    }));
  }, bestPractice ? [...axeTags, 'best-practice'] : axeTags);
  if (violations.length > 0) {
    const lines = violations.map(
      (v) => `  - ${v.id} (${v.impact}): ${v.help}\n      ${v.targets.join('\n      ')}`,
    );
    assert.fail(`${label} (${page.url()}): ${violations.length} axe violation(s):\n${lines.join('\n')}`);
  }
}

/**
 * Checks the page at 320 px (the page itself must not scroll sideways,
 * WCAG 1.4.10 reflow) and with axe there and at 1280 px; leaves the page at
 * 1280 px.
 */
export async function expectNoAxeViolationsAtBothWidths(page, label) {
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${label}: the page is ${overflow} px wider than 320 px`);
  await expectNoAxeViolations(page, `${label} at 320 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, `${label} at 1280 px`);
}

/**
 * Signs in through the /login form: fills #email and #password, submits the
 * form's button and waits for the resulting page to load. Returns the
 * navigation response (check page.url() or the page to see the outcome).
 */
export async function signIn(page, email, password) {
  await gotoOK(page, '/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  const button = page.locator('form:has(#password) button').first();
  const [resp] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    button.click(),
  ]);
  return resp;
}

/** Parses a Content-Security-Policy header into a map of directive -> source list. */
export function parseCSP(header) {
  const out = new Map();
  for (const part of (header || '').split(';')) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    out.set(tokens[0].toLowerCase(), tokens.slice(1));
  }
  return out;
}
