// Invoices: a provider submits an invoice (a bad amount first: error
// summary, input kept), staff query it, the provider answers, staff approve
// and schedule it, and the provider sees each step. Also the provider's
// list and contracts, the staff queues, search and contracts register.
// Axe on every page visited.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const provider = 'manager@sunrise-care.example';
const staff = 'payments@council.example';

const londonDay = (offset = 0) => {
  const d = new Date(Date.now() + offset * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(d);
};

async function submitForm(page) {
  await Promise.all([page.waitForNavigation(), page.locator('main form button[type=submit]').last().click()]);
}

async function clickButton(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
}

test('invoice journey: submit, query, answer, approve, schedule', async (t) => {
  const number = `BT-${Date.now()}`;
  const prov = await newPage(t);
  await signIn(prov, provider, demoPassword);

  await gotoOK(prov, '/invoices');
  assert.match(await prov.locator('h1').innerText(), /Your invoices/);
  await expectNoAxeViolations(prov, 'provider invoice list');

  await gotoOK(prov, '/contracts');
  assert.ok(await prov.locator('#contract-list tbody tr').count() > 0, 'the provider has contracts');
  await expectNoAxeViolations(prov, 'provider contracts');

  // A bad amount first: error summary, message by the field, input kept.
  await gotoOK(prov, '/invoices/new');
  await expectNoAxeViolations(prov, 'submit form');
  const contract = await prov.locator('#contract_ref option').nth(1).getAttribute('value');
  await prov.selectOption('#contract_ref', contract);
  await prov.fill('#invoice_number', number);
  await prov.fill('#invoice_date', londonDay(-2));
  await prov.fill('#period_start', londonDay(-30));
  await prov.fill('#period_end', londonDay(-3));
  await prov.fill('#net', '1,234.567');
  await prov.fill('#vat', '0');
  await prov.fill('#gross', '1234.57');
  await submitForm(prov);
  const summary = prov.locator('.govuk-error-summary');
  assert.match(await summary.innerText(), /Net amount must not have more than 2 decimal places/);
  assert.match(await prov.locator('#net-error').innerText(), /2 decimal places/);
  assert.equal(await prov.inputValue('#invoice_number'), number);
  assert.equal(await prov.inputValue('#net'), '1,234.567');
  assert.match(await prov.title(), /^Error: /);
  await expectNoAxeViolations(prov, 'submit form with errors');

  await prov.fill('#net', '£1,234.50');
  await prov.fill('#gross', '1234.5');
  await submitForm(prov);
  const invoicePath = new URL(prov.url()).pathname;
  assert.match(invoicePath, /^\/invoices\/[0-9a-f]{24}$/);
  assert.match(await prov.locator('h1').innerText(), new RegExp(number));
  assert.match(await prov.locator('#status').innerText(), /Submitted/);
  assert.match(await prov.locator('#payment').innerText(), /days until due/);
  await expectNoAxeViolations(prov, 'submitted invoice');
  const id = invoicePath.split('/').pop();

  // Staff find it in the New queue and query it.
  const st = await newPage(t);
  await signIn(st, staff, demoPassword);
  await gotoOK(st, '/staff/invoices?queue=new');
  assert.match(await st.locator('#queues').innerText(), /New \(\d+\)/);
  await expectNoAxeViolations(st, 'staff work queue');
  await gotoOK(st, `/staff/invoices?q=${encodeURIComponent(number)}`);
  assert.match(await st.locator('#invoice-list').innerText(), new RegExp(number));
  await expectNoAxeViolations(st, 'staff search');
  await gotoOK(st, `/staff/invoices/${id}`);
  await expectNoAxeViolations(st, 'staff invoice page');
  // A query needs a reason.
  await clickButton(st, 'Query invoice');
  assert.match(await st.locator('#query_note-error').innerText(), /Enter what you need from the provider/);
  await expectNoAxeViolations(st, 'query without a reason');
  await st.fill('#query_note', 'Please send the timesheets for week 2.');
  await clickButton(st, 'Query invoice');
  assert.match(await st.locator('#status').innerText(), /Queried/);

  // The provider sees the question and answers.
  await gotoOK(prov, invoicePath);
  assert.match(await prov.locator('main').innerText(), /Please send the timesheets for week 2\./);
  await expectNoAxeViolations(prov, 'queried invoice');
  await prov.fill('#answer_note', 'Timesheets are on page 2 of the PDF.');
  await clickButton(prov, 'Send answer');
  assert.match(await prov.locator('#status').innerText(), /Submitted/);
  assert.match(await prov.locator('#history').innerText(), /Timesheets are on page 2/);

  // Staff approve and schedule.
  await gotoOK(st, `/staff/invoices/${id}`);
  await clickButton(st, 'Approve invoice');
  assert.match(await st.locator('#status').innerText(), /Approved/);
  await expectNoAxeViolations(st, 'approved invoice (staff)');
  await st.fill('#scheduled_date', londonDay(5));
  await clickButton(st, 'Schedule payment');
  assert.match(await st.locator('#status').innerText(), /Payment scheduled/);

  // The provider sees every step and the expected payment date.
  await gotoOK(prov, invoicePath);
  assert.match(await prov.locator('#status').innerText(), /Payment scheduled/);
  assert.match(await prov.locator('#payment').innerText(), /Expected payment date/);
  const history = await prov.locator('#history').innerText();
  for (const step of ['Submitted to Queried', 'Queried to Submitted', 'Submitted to Approved', 'Approved to Payment scheduled']) {
    assert.ok(history.includes(step), `history lacks "${step}"`);
  }
  await expectNoAxeViolations(prov, 'scheduled invoice');

  // Submitting the same number again points at the existing invoice.
  await gotoOK(prov, '/invoices/new');
  await prov.selectOption('#contract_ref', contract);
  await prov.fill('#invoice_number', number.toLowerCase().replace('-', ' '));
  await prov.fill('#invoice_date', londonDay(-2));
  await prov.fill('#period_start', londonDay(-30));
  await prov.fill('#period_end', londonDay(-3));
  await prov.fill('#net', '10');
  await prov.fill('#vat', '0');
  await prov.fill('#gross', '10');
  await submitForm(prov);
  assert.equal(await prov.locator(`#duplicate a[href="${invoicePath}"]`).count(), 1);
  await expectNoAxeViolations(prov, 'duplicate invoice number');
});

test('staff contracts register and every work queue pass axe', async (t) => {
  const page = await newPage(t);
  await signIn(page, staff, demoPassword);
  for (const q of ['new', 'queried', 'approved', 'scheduled', 'overdue']) {
    await gotoOK(page, `/staff/invoices?queue=${q}`);
    await expectNoAxeViolations(page, `queue ${q}`);
  }
  await gotoOK(page, '/staff/contracts');
  assert.ok(await page.locator('#contract-list tbody tr').count() >= 20);
  await expectNoAxeViolations(page, 'contracts register');
  await gotoOK(page, '/staff/contracts/new');
  await submitForm(page);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter contract reference/i);
  await expectNoAxeViolations(page, 'contract form with errors');
  await gotoOK(page, '/staff/contracts');
  await Promise.all([page.waitForNavigation(), page.locator('#contract-list tbody tr a').first().click()]);
  assert.match(await page.locator('h1').innerText(), /Change contract/);
  await expectNoAxeViolations(page, 'contract edit form');
});

test('a provider cannot see another provider\'s invoice', async (t) => {
  const st = await newPage(t);
  await signIn(st, staff, demoPassword);
  await gotoOK(st, '/staff/invoices?q=SUP1002');
  const href = await st.locator('#invoice-list tbody tr a').first().getAttribute('href');
  const id = href.split('/').pop();
  const prov = await newPage(t);
  await signIn(prov, provider, demoPassword);
  const resp = await prov.goto(`/invoices/${id}`);
  assert.equal(resp.status(), 404);
});

test('the provider\'s invoice page passes axe in every status', async (t) => {
  const page = await newPage(t);
  await signIn(page, provider, demoPassword);
  const seen = new Set();
  for (let p = 1; p <= 4 && seen.size < 7; p++) {
    await gotoOK(page, `/invoices?page=${p}`);
    const rows = page.locator('#invoice-list tbody tr');
    const n = await rows.count();
    const todo = [];
    for (let i = 0; i < n; i++) {
      const status = (await rows.nth(i).locator('td').nth(4).locator('strong').first().innerText()).trim();
      if (seen.has(status)) continue;
      seen.add(status);
      todo.push([status, await rows.nth(i).locator('a').first().getAttribute('href')]);
    }
    for (const [status, href] of todo) {
      await gotoOK(page, href);
      assert.match(await page.locator('#status').innerText(), new RegExp(status));
      await expectNoAxeViolations(page, `provider invoice page, ${status}`);
    }
  }
  for (const s of ['Submitted', 'Queried', 'Approved', 'Payment scheduled', 'Paid', 'Rejected', 'Cancelled']) {
    assert.ok(seen.has(s), `no ${s} invoice on the provider's first pages (saw ${[...seen].join(', ')})`);
  }
  await gotoOK(page, '/invoices?status=nope&from=31/2/2026', 422);
  await expectNoAxeViolations(page, 'invoice list with filter errors');
});
