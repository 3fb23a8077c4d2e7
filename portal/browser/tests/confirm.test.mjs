// Confirmations and bulk approval in the browser, without changing the demo
// data: a provider's "Cancel this invoice" asks first (the question page
// passes axe, and "No, go back" returns to the invoice unchanged); staff's
// "Approve selected" with nothing selected shows the queue again with the
// error by the checkboxes; an invoice page links to the next in its queue.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

test('cancelling an invoice asks first; No, go back changes nothing', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(page, '/invoices?status=submitted');
  const href = await page.locator('#invoice-list tbody tr a').first().getAttribute('href');
  await gotoOK(page, href);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Cancel this invoice' }).click()]);
  assert.match(await page.locator('main h1').innerText(), /^Are you sure you want to cancel invoice /);
  await expectNoAxeViolations(page, 'cancel invoice question', { bestPractice: true });
  // Yes without a reason: the error by the field.
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Yes, cancel the invoice' }).click()]);
  assert.match(await page.locator('#cancel_note-error').innerText(), /Enter why you are cancelling the invoice/);
  await expectNoAxeViolations(page, 'cancel invoice question with an error', { bestPractice: true });
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'No, go back' }).click()]);
  assert.equal(new URL(page.url()).pathname, href);
  assert.equal(await page.locator('#status').innerText(), 'Submitted');
});

test('staff: approve selected with nothing selected; next in queue', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'payments@council.example', demoPassword);
  await gotoOK(page, '/staff/invoices?queue=new');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Approve selected' }).click()]);
  assert.match(await page.locator('#invoice-error').innerText(), /Select the invoices to approve/);
  await expectNoAxeViolations(page, 'approve selected with nothing selected', { bestPractice: true });
  const first = await page.locator('#invoice-list tbody tr td.app-card__title a').first().getAttribute('href');
  await gotoOK(page, first);
  const next = page.locator('#next-invoice');
  assert.match(await next.getAttribute('href'), /\?queue=new$/);
  await expectNoAxeViolations(page, 'staff invoice with next in queue', { bestPractice: true });
});
