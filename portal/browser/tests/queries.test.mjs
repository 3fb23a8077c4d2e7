// Queries: a provider raises a query (first with missing fields), staff
// answer, the provider sees the answer and a notification, staff resolve,
// the provider reopens. Axe on every page type.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

test('a query from raising to reopening, across provider and council', async (t) => {
  const subject = `Invoice SRC-${Date.now() % 100000} not paid`;
  const provider = await newPage(t);
  await signIn(provider, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(provider, '/queries');
  await expectNoAxeViolations(provider, 'provider query list');
  assert.match(await provider.locator('#query-list').innerText(), /Increase to Mr B's morning calls/, 'demo queries of the organisation are listed');
  assert.doesNotMatch(await provider.locator('#query-list').innerText(), /Fee uplift/, 'another organisation\'s query is not listed');

  await Promise.all([provider.waitForNavigation(), provider.getByRole('button', { name: 'Raise a query' }).click()]);
  await expectNoAxeViolations(provider, 'raise a query');

  // Missing fields: error summary, messages by the fields, input kept.
  await provider.fill('#subject', subject);
  await Promise.all([provider.waitForNavigation(), provider.getByRole('button', { name: 'Send query' }).click()]);
  const summary = await provider.locator('.govuk-error-summary').innerText();
  assert.match(summary, /Select what your query is about/);
  assert.match(summary, /Enter your message/);
  assert.equal(await provider.inputValue('#subject'), subject, 'subject kept');
  assert.match(await provider.title(), /^Error:/);
  await expectNoAxeViolations(provider, 'raise a query with errors');

  await provider.selectOption('#topic', 'invoice-not-paid');
  await provider.fill('#message', 'Our invoice was due last week and has not been paid.');
  // Link it to one of the organisation's invoices when the demo has some.
  let linked = '';
  if (await provider.locator('#link option').count() > 1) {
    linked = await provider.locator('#link option').nth(1).innerText();
    await provider.selectOption('#link', { index: 1 });
  }
  await provider.setInputFiles('#attachment', { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf });
  await Promise.all([provider.waitForNavigation(), provider.getByRole('button', { name: 'Send query' }).click()]);
  assert.match(provider.url(), /\/queries\/Q-[0-9A-F]{8}$/);
  const queryPath = new URL(provider.url()).pathname;
  assert.match(await provider.locator('#query-team').innerText(), /Brokerage Payments/);
  assert.match(await provider.locator('#query-status').innerText(), /Open/);
  assert.equal(await provider.getByRole('link', { name: 'Download invoice.pdf' }).count(), 1);
  if (linked) {
    const summaryText = await provider.locator('#query-summary').innerText();
    assert.ok(summaryText.includes(linked), `query summary does not show the linked ${linked}`);
  }
  await expectNoAxeViolations(provider, 'query page (provider)');

  // The payments team answers from its queue.
  const staff = await newPage(t);
  await signIn(staff, 'payments@council.example', demoPassword);
  await gotoOK(staff, '/queries');
  await expectNoAxeViolations(staff, 'staff query queue');
  const queue = await staff.locator('#query-list').innerText();
  assert.match(queue, new RegExp(subject));
  assert.match(queue, /Past target/, 'the demo has queries past target');
  await staff.check('#late');
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: 'Show queries' }).click()]);
  const lateRows = await staff.locator('#query-list tbody tr').allInnerTexts();
  assert.ok(lateRows.length > 0 && lateRows.every((r) => /Past target/.test(r)), 'the past-target filter shows only late queries');
  await expectNoAxeViolations(staff, 'staff queue filtered to late queries');
  await gotoOK(staff, '/queries');
  await Promise.all([staff.waitForNavigation(), staff.getByRole('link', { name: queryPath.split('/').pop() }).click()]);
  await expectNoAxeViolations(staff, 'query page (staff)');
  await staff.fill('#message', 'Thank you. It is in Friday\'s payment run.');
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: 'Send message' }).click()]);
  assert.match(await staff.locator('#query-status').innerText(), /Awaiting provider/);

  // The provider sees the answer and a notification.
  await gotoOK(provider, '/notifications');
  await expectNoAxeViolations(provider, 'notifications');
  const notes = await provider.locator('#notifications').innerText();
  assert.match(notes, new RegExp(`The council replied to your query: ${subject}`));
  assert.match(await provider.locator('nav').innerText(), /Notifications \(\d+ unread\)/);
  await Promise.all([provider.waitForNavigation(), provider.getByRole('link', { name: `The council replied to your query: ${subject}` }).first().click()]);
  assert.equal(new URL(provider.url()).pathname, queryPath);
  assert.match(await provider.locator('#thread').innerText(), /It is in Friday's payment run/);

  // Staff resolve it.
  await gotoOK(staff, queryPath);
  await staff.fill('#resolveNote', 'Paid in the run on Friday.');
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: 'Mark as resolved' }).click()]);
  assert.match(await staff.locator('#query-status').innerText(), /Resolved/);

  // The provider reopens it (an empty reason first).
  await gotoOK(provider, queryPath);
  await Promise.all([provider.waitForNavigation(), provider.getByRole('button', { name: 'Reopen query' }).click()]);
  assert.match(await provider.locator('.govuk-error-summary').innerText(), /Enter your message/);
  await expectNoAxeViolations(provider, 'reopen with an error');
  await provider.fill('#reopenMessage', 'The remittance does not show it yet.');
  await Promise.all([provider.waitForNavigation(), provider.getByRole('button', { name: 'Reopen query' }).click()]);
  assert.match(await provider.locator('#query-status').innerText(), /Awaiting council/);

  // Another organisation cannot open it.
  const other = await newPage(t);
  await signIn(other, 'manager@oakfield-homes.example', demoPassword);
  const resp = await other.goto(queryPath);
  assert.equal(resp.status(), 404);
});

test('staff move a query to another team and assign it', async (t) => {
  const staff = await newPage(t);
  await signIn(staff, 'brokerage@council.example', demoPassword);
  await gotoOK(staff, '/queries?team=all&status=unresolved');
  await Promise.all([staff.waitForNavigation(), staff.locator('#query-list a', { hasText: 'Q-' }).first().click()]);
  const path = new URL(staff.url()).pathname;
  // Moving without a team or note is explained.
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: 'Move query' }).click()]);
  assert.match(await staff.locator('.govuk-error-summary').innerText(), /Enter a note/);
  await expectNoAxeViolations(staff, 'query page with a move error');
  const options = await staff.locator('#team option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  await staff.selectOption('#team', options[0]);
  await staff.fill('#note', 'This belongs with another team.');
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: 'Move query' }).click()]);
  assert.equal(new URL(staff.url()).pathname, path);
  assert.match(await staff.locator('#thread').innerText(), /Moved from .* to .*: This belongs with another team\./);

  // Assign it to someone (the first person offered).
  const who = await staff.locator('#assignee option').nth(1).innerText();
  await staff.selectOption('#assignee', { index: 1 });
  await Promise.all([staff.waitForNavigation(), staff.getByRole('button', { name: 'Assign', exact: true }).click()]);
  const name = who.replace(' (you)', '');
  assert.match(await staff.locator('#query-summary').innerText(), new RegExp(`Assigned to\\s+${name}`));
  assert.match(await staff.locator('#thread').innerText(), new RegExp(`Assigned to ${name}`));
});

test('figures and settings pages', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'commissioner@council.example', demoPassword);
  await gotoOK(page, '/queries/figures?period=365');
  assert.match(await page.locator('#figures').innerText(), /Median time to first response/);
  assert.match(await page.locator('#open-by-team').innerText(), /Brokerage Payments/);
  await expectNoAxeViolations(page, 'council query figures');

  const provider = await newPage(t);
  await signIn(provider, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(provider, '/queries/figures');
  await expectNoAxeViolations(provider, 'provider query figures');

  const admin = await newPage(t);
  await signIn(admin, 'admin@council.example', demoPassword);
  await gotoOK(admin, '/admin/query-settings');
  await expectNoAxeViolations(admin, 'query settings');
  await admin.fill('#firstResponseDays', 'two');
  await Promise.all([admin.waitForNavigation(), admin.getByRole('button', { name: 'Save service levels' }).click()]);
  assert.match(await admin.locator('.govuk-error-summary').innerText(), /whole number/);
  assert.equal(await admin.inputValue('#firstResponseDays'), 'two');
  await expectNoAxeViolations(admin, 'query settings with errors');
});
