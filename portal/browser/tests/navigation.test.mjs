// The service navigation on a phone: with script the links collapse
// behind a "Menu" button (GOV.UK service navigation); without script
// every link shows and there is no button.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, browser, demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

test('on a phone the menu collapses behind a button and opens on a click', async (t) => {
  const page = await newPage(t);
  await page.setViewportSize({ width: 375, height: 800 });
  await signIn(page, 'admin@council.example', demoPassword);
  await gotoOK(page, '/home');
  const toggle = page.locator('.govuk-service-navigation__toggle');
  const links = page.locator('#navigation a');
  assert.ok(await toggle.isVisible(), 'the Menu button shows');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#navigation').isVisible(), false, 'the links are collapsed');
  await expectNoAxeViolations(page, 'home with the menu closed (375 px)');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.ok(await links.first().isVisible(), 'the links show after a click');
  await expectNoAxeViolations(page, 'home with the menu open (375 px)');
  // Wide again: the list shows and the button goes. GOV.UK Frontend hides
  // the button from a media-query change event, which can land after the
  // resize returns on a busy machine: wait for it (up to 5 s) rather than
  // look once.
  await page.setViewportSize({ width: 1280, height: 800 });
  await toggle.waitFor({ state: 'hidden', timeout: 5000 });
  assert.ok(await links.first().isVisible());
  assert.equal(await toggle.isVisible(), false);
});

test('without script every link shows and there is no Menu button', async (t) => {
  const b = await browser();
  const context = await b.newContext({ baseURL, locale: 'en-GB', timezoneId: 'Europe/London', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  await signIn(page, 'admin@council.example', demoPassword);
  await gotoOK(page, '/home');
  assert.equal(await page.locator('.govuk-service-navigation__toggle').isVisible(), false, 'no button without script');
  const n = await page.locator('#navigation a').count();
  assert.ok(n > 3, `the navigation has its links (${n})`);
  for (let i = 0; i < n; i++) {
    assert.ok(await page.locator('#navigation a').nth(i).isVisible(), `link ${i} shows without script`);
  }
});
