// Care packages and actuals: brokerage places a package with Sunrise, the
// provider accepts it, sees its cycles and payment schedule, the cycle
// form and the CSV upload (with problems by line); brokerage sees the
// decisions queue, a confirmed cycle, the import and uplift pages. The
// demo data has a year of four-weekly actuals. Axe on every page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, expectNoAxeViolationsAtBothWidths, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const broker = 'brokerage@council.example';
const provider = 'manager@sunrise-care.example';
const ref = `BT-${Date.now() % 100000}`;

test('brokerage places a package; the form shows errors with the input kept', async (t) => {
  const page = await newPage(t);
  await signIn(page, broker, demoPassword);
  await gotoOK(page, '/staff/packages');
  assert.match(await page.locator('h1').innerText(), /Care packages/);
  assert.ok(await page.locator('#package-list').count(), 'the demo packages are listed');
  await expectNoAxeViolations(page, 'staff package list');
  for (const path of ['/staff/packages/import', '/staff/packages/uplift', '/staff/actuals']) {
    await gotoOK(page, path);
    await expectNoAxeViolations(page, path);
  }

  await gotoOK(page, '/staff/packages/new');
  await expectNoAxeViolations(page, 'place a package');
  await page.fill('#client_ref', 'CL-BROWSER');
  await page.fill('#units_per_week', '-2');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Place the package' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Planned units per week must not be negative/);
  assert.equal(await page.inputValue('#client_ref'), 'CL-BROWSER');
  await expectNoAxeViolations(page, 'place a package with errors');

  const options = await page.locator('#contract_ref option').allInnerTexts();
  const contract = options.find((o) => o.includes('Sunrise Home Care') && /^ASC-/.test(o));
  assert.ok(contract, 'a Sunrise contract to place on');
  await page.selectOption('#contract_ref', { label: contract });
  await page.fill('#package_ref', ref);
  await page.fill('#client_name', 'Brenda Browser');
  await page.fill('#date_of_birth', '12/3/1941');
  await page.selectOption('#service_type', 'home-care');
  await page.check('#unit');
  await page.fill('#units_per_week', '10.5');
  await page.fill('#rate', '24.10');
  await page.fill('#start_date', '1/1/2026');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Place the package' }).click()]);
  assert.match(await page.locator('.govuk-notification-banner').innerText(), /is placed with Sunrise Home Care Ltd/);
  assert.match(await page.locator('#person').innerText(), /Brenda Browser/);
  await expectNoAxeViolations(page, 'staff package page');
});

test('the provider accepts it and sees cycles, the schedule and the upload', async (t) => {
  const page = await newPage(t);
  await signIn(page, provider, demoPassword);
  await gotoOK(page, `/packages?q=${ref}`);
  const list = await page.locator('#package-list').innerText();
  assert.ok(list.includes('B. B.') && !list.includes('Brenda Browser'), 'lists show initials, not names');
  await expectNoAxeViolations(page, 'provider package list');
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: ref }).click()]);
  await expectNoAxeViolations(page, 'provider package page');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Accept the package' }).click()]);
  assert.match(await page.locator('.govuk-notification-banner').innerText(), /You accepted the package/);
  await expectNoAxeViolations(page, 'accepted package');

  await gotoOK(page, '/actuals');
  assert.ok(await page.locator('#schedule').count(), 'payment schedule shown');
  await expectNoAxeViolations(page, 'actuals and payment schedule');
  // The schedule's cycles: the one to confirm (the form with the plan
  // filled in) and the next ones.
  const cycles = await page.locator('#schedule tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  let sawForm = false;
  for (const href of cycles.slice(0, 3)) {
    await gotoOK(page, href);
    assert.match(await page.locator('h1').innerText(), /Care delivered from/);
    sawForm ||= (await page.locator('input[name^="units-"]').count()) > 0;
    await expectNoAxeViolations(page, `cycle page ${href}`);
  }
  assert.ok(sawForm, 'a cycle form with units to confirm');

  await gotoOK(page, '/actuals/upload');
  await expectNoAxeViolations(page, 'actuals upload');
  await page.setInputFiles('#file', { name: 'actuals.csv', mimeType: 'text/csv', buffer: Buffer.from('package_ref,period_start,units,reason\nNOPE-1,2026-01-26,-3,\n') });
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload and confirm' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Line 2, column units/);
  await expectNoAxeViolations(page, 'actuals upload with problems');
});

test('brokerage sees a confirmed cycle with its invoice lines', async (t) => {
  const page = await newPage(t);
  await signIn(page, broker, demoPassword);
  await gotoOK(page, '/staff/actuals');
  await Promise.all([page.waitForNavigation(), page.locator('#cycles tbody a[href^="/staff/actuals/"]').first().click()]);
  assert.ok(await page.locator('#cycle-lines').count(), 'cycle lines shown');
  await expectNoAxeViolations(page, 'staff cycle page');
});

test('brokerage changes a contract\'s billing cycle from a date, and back', async (t) => {
  const page = await newPage(t);
  await signIn(page, broker, demoPassword);
  await gotoOK(page, '/staff/actuals');
  const href = await page.locator('#cycles a[href^="/staff/packages/billing/"]').first().getAttribute('href');
  assert.ok(href, 'a link to a contract\'s billing settings');
  await gotoOK(page, href);
  assert.match(await page.locator('#cycle-rule').innerText(), /first chosen weekday on or after that date/);
  assert.ok(await page.locator('#billing-cycles tbody tr').count() >= 4, 'the contract\'s cycles are listed');
  await expectNoAxeViolationsAtBothWidths(page, 'billing settings');

  // A date in the past: the message by the field, the input kept.
  const before = await page.locator('#billing-cycles').innerText();
  await page.check('#frequency');
  await page.selectOption('#weekday', '3');
  await page.fill('#effective_from', '6 1 2020');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save billing settings' }).click()]);
  assert.match(await page.locator('#effective_from-error').innerText(), /is in the past/);
  assert.equal(await page.inputValue('#effective_from'), '6 1 2020');
  await expectNoAxeViolationsAtBothWidths(page, 'billing settings with an error');

  // Weekly from Wednesday, from the third date offered; then back to what
  // it was from the same date, which leaves every cycle as it was.
  const hint = await page.locator('#effective_from-hint').innerText();
  const dates = [...hint.matchAll(/type (\d+ \d+ \d{4})/g)].map((m) => m[1]);
  assert.equal(dates.length, 3, `three dates offered: ${hint}`);
  await gotoOK(page, href);
  const frequency = await page.locator('input[name="frequency"]:checked').getAttribute('value');
  const weekday = await page.locator('#weekday').inputValue();
  await page.check('input[name="frequency"][value="weekly"]');
  await page.selectOption('#weekday', '3');
  await page.fill('#effective_from', dates[2]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save billing settings' }).click()]);
  assert.match(await page.locator('.govuk-notification-banner').innerText(), /Billing settings saved: weekly, starting on a Wednesday from/);
  assert.match(await page.locator('#billing-coming').innerText(), /weekly, starting on a Wednesday/);
  assert.match(await page.locator('#billing-history').innerText(), /to weekly, starting on a Wednesday, from/);
  await expectNoAxeViolationsAtBothWidths(page, 'billing settings with a change of cycle set');

  await page.check(`input[name="frequency"][value="${frequency}"]`);
  await page.selectOption('#weekday', weekday);
  await page.fill('#effective_from', dates[2]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save billing settings' }).click()]);
  assert.match(await page.locator('.govuk-notification-banner').innerText(), /Billing settings saved/);
  assert.equal(await page.locator('#billing-coming').count(), 0, 'no change of cycle left set');
  assert.equal(await page.locator('#billing-cycles').innerText(), before, 'the cycles are as they were');
});
