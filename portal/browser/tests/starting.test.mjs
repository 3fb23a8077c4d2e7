// The "portal is starting" page: what a person sees when a page waits for
// the start-up load longer than the portal lets it (503, Retry-After). The
// Go test serves a second portal whose load never finishes (PORTAL_STARTING_URL).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browser, expectNoAxeViolationsAtBothWidths, serviceName } from '../lib/harness.mjs';

const startingURL = (process.env.PORTAL_STARTING_URL || '').replace(/\/+$/, '');

test('a page asked for while the portal starts says so, what to do, and passes axe at both widths', async (t) => {
  assert.ok(startingURL, 'PORTAL_STARTING_URL is not set: run these tests through `go test ./portal/browser`');
  const b = await browser();
  const context = await b.newContext({ baseURL: startingURL, locale: 'en-GB', timezoneId: 'Europe/London' });
  t.after(() => context.close());
  const page = await context.newPage();

  const resp = await page.goto('/invoices');
  assert.equal(resp.status(), 503, `GET /invoices while starting: ${resp.status()}`);
  assert.equal(resp.headers()['retry-after'], '30');
  assert.equal((await page.locator('h1').first().innerText()).trim(), 'The portal is starting');
  const main = await page.locator('main#main-content').innerText();
  assert.match(main, /Try again in a minute/, 'the page does not say what to do next');
  assert.doesNotMatch(main, /Sorry, there is a problem/, 'the starting page is shown as a fault');
  if (serviceName) {
    assert.ok((await page.title()).includes(serviceName), `title "${await page.title()}" lacks the service name`);
  }
  assert.equal(await page.locator('a.govuk-skip-link').getAttribute('href'), '#main-content');

  await expectNoAxeViolationsAtBothWidths(page, 'the portal is starting');
});
