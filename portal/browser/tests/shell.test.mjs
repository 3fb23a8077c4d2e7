// The web shell: layout, start page, 404 page, footer pages, security headers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  baseURL,
  expectNoAxeViolations,
  gotoOK,
  newPage,
  parseCSP,
  serviceName,
} from '../lib/harness.mjs';

// Text of the header and service navigation, where the service name appears.
async function headerText(page) {
  const parts = await page.locator('.govuk-header, .govuk-service-navigation').allInnerTexts();
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

test('start page shows the service name, a working skip link and says what the portal is for', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/');

  await assert.doesNotReject(page.locator('.govuk-header').first().waitFor(), 'start page has no .govuk-header');
  const header = await headerText(page);
  assert.ok(header.length > 0, 'header is empty');
  if (serviceName) {
    assert.ok(header.includes(serviceName), `header "${header}" does not show the service name "${serviceName}"`);
    assert.ok((await page.title()).includes(serviceName), `title "${await page.title()}" lacks the service name`);
  }

  const h1 = (await page.locator('h1').first().innerText()).trim();
  assert.ok(h1.length > 0, 'start page has no h1');
  const main = await page.locator('main#main-content').innerText();
  assert.match(main, /invoice|pay/i, 'start page does not say what the portal is for (invoices and payments)');

  // The skip link is the first thing a keyboard user reaches, and it targets the main content.
  const skip = page.locator('a.govuk-skip-link');
  assert.equal(await skip.count(), 1, 'expected exactly one skip link');
  assert.equal(await skip.getAttribute('href'), '#main-content');
  assert.equal(await page.locator('#main-content').count(), 1, 'skip link target #main-content missing');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('href'));
  assert.equal(focused, '#main-content', 'first Tab does not focus the skip link');
  await page.keyboard.press('Enter');
  assert.ok(page.url().endsWith('#main-content'), `skip link did not move to #main-content (url ${page.url()})`);

  await expectNoAxeViolations(page, 'start page');
});

test('the stylesheet is ours, at a content-hashed URL with a long cache lifetime, and no crown or GDS font', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/');
  const hrefs = await page.locator('link[rel="stylesheet"]').evaluateAll((ls) => ls.map((l) => l.getAttribute('href')));
  assert.ok(hrefs.length > 0, 'no stylesheet linked');
  for (const href of hrefs) {
    assert.match(href, /^\/static\/.+\.[0-9a-f]{8,}\.css$/, `stylesheet ${href} is not served from a content-hashed /static/ URL`);
    const resp = await page.request.get(href);
    assert.equal(resp.status(), 200, `GET ${href}`);
    assert.match(resp.headers()['content-type'] || '', /^text\/css/, `${href} content-type`);
    const cc = resp.headers()['cache-control'] || '';
    const maxAge = Number((cc.match(/max-age=(\d+)/) || [])[1] || 0);
    assert.ok(maxAge >= 30 * 24 * 3600, `${href} cache-control "${cc}": want max-age of 30 days or more`);
    const css = await resp.text();
    assert.ok(!css.includes('GDS Transport'), `${href} uses the GDS Transport font`);
  }
  const fontFamily = await page.evaluate(() => getComputedStyle(document.querySelector('h1')).fontFamily);
  assert.match(fontFamily, /system-ui/, `h1 font is "${fontFamily}", want the system font stack from portal.css`);
  assert.ok(!fontFamily.includes('GDS Transport'));
  assert.equal(await page.locator('.govuk-header__logotype, .govuk-footer__copyright-logo').count(), 0,
    'page uses the GOV.UK crown logotype or crest');
});

test('footer links to the accessibility statement and privacy notice', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/');
  const footer = page.locator('footer');
  for (const [path, name] of [['/accessibility', /accessibility/i], ['/privacy', /privacy/i]]) {
    const link = footer.locator(`a[href="${path}"]`);
    assert.equal(await link.count(), 1, `footer has no link to ${path}`);
    assert.match(await link.innerText(), name);
  }
  await Promise.all([page.waitForNavigation(), footer.locator('a[href="/accessibility"]').click()]);
  assert.equal(new URL(page.url()).pathname, '/accessibility');
});

test('404 page has the right status and the portal style', async (t) => {
  const page = await newPage(t);
  const resp = await page.goto('/no-such-page');
  assert.equal(resp.status(), 404);
  assert.match(resp.headers()['content-type'] || '', /^text\/html/);
  assert.equal(await page.locator('.govuk-header').count(), 1, '404 page has no govuk header');
  assert.equal(await page.locator('footer.govuk-footer').count(), 1, '404 page has no govuk footer');
  const sheets = await page.evaluate(() => Array.from(document.styleSheets).filter((s) => s.cssRules.length > 0).length);
  assert.ok(sheets > 0, '404 page has no loaded stylesheet');
  const h1 = await page.locator('h1').first().innerText();
  assert.match(h1, /not found/i, `404 h1 is "${h1}"`);
  assert.doesNotMatch(await page.content(), /goroutine|panic|\.go:\d+/, '404 page shows internals');
  await expectNoAxeViolations(page, '404 page');
});

test('accessibility statement', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/accessibility');
  assert.match(await page.locator('h1').first().innerText(), /accessibility/i);
  assert.match(await page.locator('main').innerText(), /WCAG|Web Content Accessibility Guidelines/);
  await expectNoAxeViolations(page, 'accessibility statement');
});

test('privacy notice', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/privacy');
  assert.match(await page.locator('h1').first().innerText(), /privacy/i);
  await expectNoAxeViolations(page, 'privacy notice');
});

test('security headers: CSP without inline script, nosniff, no framing', async () => {
  for (const path of ['/', '/no-such-page']) {
    const resp = await fetch(baseURL + path, { redirect: 'manual' });
    const csp = resp.headers.get('content-security-policy');
    assert.ok(csp, `${path}: no Content-Security-Policy header`);
    const d = parseCSP(csp);
    const scriptSrc = d.get('script-src') || d.get('default-src');
    assert.ok(scriptSrc, `${path}: CSP "${csp}" has neither script-src nor default-src`);
    assert.ok(!scriptSrc.includes("'unsafe-inline'"), `${path}: script-src allows 'unsafe-inline': ${csp}`);
    assert.ok(!scriptSrc.includes("'unsafe-eval'"), `${path}: script-src allows 'unsafe-eval': ${csp}`);
    const styleSrc = d.get('style-src') || d.get('default-src');
    assert.ok(styleSrc && !styleSrc.includes("'unsafe-inline'"), `${path}: style-src allows inline styles: ${csp}`);
    assert.deepEqual(d.get('frame-ancestors'), ["'none'"], `${path}: frame-ancestors: ${csp}`);
    assert.equal(resp.headers.get('x-content-type-options'), 'nosniff', `${path}: X-Content-Type-Options`);
    assert.ok(resp.headers.get('referrer-policy'), `${path}: no Referrer-Policy`);
    await resp.arrayBuffer();
  }
});

test('no inline script or style attributes on shell pages', async (t) => {
  const page = await newPage(t);
  const blocked = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  for (const path of ['/', '/accessibility', '/privacy']) {
    await gotoOK(page, path);
    const inline = await page.evaluate(() => ({
      scripts: Array.from(document.querySelectorAll('script:not([src])')).length,
      styles: document.querySelectorAll('[style], style').length,
    }));
    assert.equal(inline.scripts, 0, `${path} has inline <script>`);
    assert.equal(inline.styles, 0, `${path} has inline style`);
  }
  assert.deepEqual(blocked, [], 'the browser blocked something under the CSP');
});
