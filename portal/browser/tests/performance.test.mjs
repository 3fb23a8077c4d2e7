// Payment performance: the dashboard for a commissioner and for a provider
// (their own figures beside the council's), the statutory reports, the
// interest page and the reporting settings, with an axe check on each.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

test('commissioner sees the payment performance dashboard with accessible charts', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'commissioner@council.example', demoPassword);
  await gotoOK(page, '/performance');
  assert.match(await page.locator('h1').innerText(), /Payment performance/);
  // Each chart is drawn for wide and for narrow screens; one of each pair shows.
  const charts = page.locator('svg.app-chart[role="img"]:visible');
  assert.equal(await charts.count(), 3, 'two trend charts and the ageing chart');
  for (let i = 0; i < 3; i++) {
    const labelled = await charts.nth(i).getAttribute('aria-labelledby');
    assert.ok(labelled && labelled.split(' ').length === 2, 'chart labelled by its title and description');
    assert.ok((await charts.nth(i).locator('title').textContent()).length > 0);
  }
  assert.ok(await page.locator('#headline [data-figure="invoices_paid"]').count() === 1);
  assert.ok(await page.locator('#ageing-table').count() === 1);
  // Text in the charts is 14 px as drawn, whatever the screen's width.
  const sizes = await page.locator('svg.app-chart:visible text').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(sizes.length > 0 && Math.min(...sizes) >= 14, `chart text at least 14 px high, got ${Math.min(...sizes)}`);
  await expectNoAxeViolations(page, 'performance dashboard (commissioner)');
  await page.setViewportSize({ width: 320, height: 800 });
  const narrow = await page.locator('svg.app-chart:visible text').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(narrow.length > 0 && Math.min(...narrow) >= 14, `chart text at 320 px at least 14 px high, got ${Math.min(...narrow)}`);
  assert.equal(await page.locator('svg.app-chart[role="img"]:visible').count(), 3, 'the narrow charts show at 320 px');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('#how-counted a').click();
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /How these figures are counted/);
  assert.ok(await page.locator('#notes li').count() > 5, 'the decisions about what counts are listed');
  await expectNoAxeViolations(page, 'how these figures are counted');
  await gotoOK(page, '/performance');

  // Filters keep their values; a bad date shows the error summary.
  await gotoOK(page, '/performance?from=31/2/2025');
  assert.ok(await page.locator('.govuk-error-summary').count() === 1);
  await expectNoAxeViolations(page, 'performance dashboard with a bad date');
});

test('commissioner opens the statutory reports', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'commissioner@council.example', demoPassword);
  await gotoOK(page, '/reports');
  await expectNoAxeViolations(page, 'payment reports');
  const notice = page.locator('#notices a').first();
  await notice.click();
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /Payments compliance notice/);
  if (await page.locator('#notice-missing').count() === 1) {
    // Settings not filled in: the page lists what is missing and offers no download.
    assert.equal(await page.locator('a[href^="/reports/payments-compliance.csv"]').count(), 0, 'no download while incomplete');
  }
  await expectNoAxeViolations(page, 'payments compliance notice');
  await gotoOK(page, '/reports');
  await page.locator('#years a').first().click();
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /Late payment report/);
  await expectNoAxeViolations(page, 'late payment report');
});

test('a provider sees its own figures beside the council and not the council reports', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(page, '/performance');
  const head = await page.locator('#headline thead').innerText();
  assert.match(head, /Your organisation/);
  assert.match(head, /Whole council/);
  assert.equal(await page.locator('#top-overdue').count(), 0, 'no other providers named');
  await expectNoAxeViolations(page, 'performance dashboard (provider)');
  const resp = await page.goto('/reports');
  assert.equal(resp.status(), 403);
});

test('admin edits the reporting settings and payments staff see an invoice\'s interest', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'admin@council.example', demoPassword);
  await gotoOK(page, '/admin/reporting-settings');
  await expectNoAxeViolations(page, 'reporting settings');
  await page.fill('#authority_name', '');
  await page.locator('form[action="/admin/reporting-settings"] button').click();
  await page.waitForLoadState();
  assert.ok(await page.locator('.govuk-error-summary').count() === 1);
  await expectNoAxeViolations(page, 'reporting settings with errors');

  // The Bank Rate table says how far it is known to be right; recording a
  // check of it today silences any warning that a half-year's reference
  // date is past the table.
  await gotoOK(page, '/admin/reporting-settings');
  assert.match(await page.locator('#checked-through').innerText(), /known to be right up to/);
  await page.fill('#reviewed_through', '31/2/2026');
  await page.locator('form[action="/admin/reporting-settings/rates-reviewed"] button').click();
  await page.waitForLoadState();
  assert.ok(await page.locator('.govuk-error-summary').count() === 1, 'a bad date is an error by the field');
  await expectNoAxeViolations(page, 'reporting settings with a bad Bank Rate check');
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
  await page.fill('#reviewed_through', today);
  await page.locator('form[action="/admin/reporting-settings/rates-reviewed"] button').click();
  await page.waitForLoadState();
  assert.equal(await page.locator('#rate-warning').count(), 0, 'no warning after the check');
  assert.match(await page.locator('#checked-through').innerText(), /last checked by/);
  await expectNoAxeViolations(page, 'reporting settings after the Bank Rate check');

  const staff = await newPage(t);
  await signIn(staff, 'payments@council.example', demoPassword);
  await gotoOK(staff, '/staff/invoices');
  const link = staff.locator('main a[href^="/staff/invoices/"]').first();
  if (await link.count() === 0) return; // no invoices in this demo
  const href = await link.getAttribute('href');
  await gotoOK(staff, href.replace(/\?.*$/, '') + '/interest');
  assert.match(await staff.locator('h1').innerText(), /Late payment interest/);
  await expectNoAxeViolations(staff, 'invoice interest page');
  await staff.getByRole('button', { name: 'Record interest payment' }).click();
  await staff.waitForLoadState();
  assert.ok(await staff.locator('.govuk-error-summary').count() === 1, 'empty interest form shows errors');
  await expectNoAxeViolations(staff, 'invoice interest page with errors');
});
