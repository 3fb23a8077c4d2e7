// Payment runs: Brokerage Payments staff upload the finance system's
// remittance file, see the preview (matched, differences, unknown), apply
// it, and the provider sees the invoice paid. The contracts import page
// shows problems by line. Axe on every page.
//
// The demo data has approved and scheduled invoices for Oakfield (SUP1002)
// and Sunrise (SUP1001); the test reads one from the staff invoice list and
// writes a remittance file that pays it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const providers = [
  ['SUP1002', 'manager@oakfield-homes.example'],
  ['SUP1001', 'manager@sunrise-care.example'],
];

const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

function csvFile(name, text) {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') };
}

// An invoice awaiting payment (approved or scheduled) of a provider whose
// manager can sign in, read from the staff invoice search (every page of
// it).
async function invoiceAwaitingPayment(page) {
  for (const [ref, email] of providers) {
    let path = `/staff/invoices?q=${ref}`;
    for (let p = 0; path && p < 20; p++) {
      await gotoOK(page, path);
      const rows = page.locator('#invoice-list tbody tr');
      const n = await rows.count();
      for (let i = 0; i < n; i++) {
        const cells = rows.nth(i).locator('td');
        const status = (await cells.nth(5).innerText()).trim();
        if (status !== 'Approved' && status !== 'Payment scheduled') continue;
        const link = cells.nth(0).locator('a');
        return {
          ref,
          email,
          number: (await link.innerText()).trim(),
          id: (await link.getAttribute('href')).split('/').pop(),
          total: (await cells.nth(4).innerText()).trim().replace(/[£,]/g, ''),
        };
      }
      const next = page.locator('a[rel="next"]');
      path = (await next.count()) > 0 ? await next.first().getAttribute('href') : null;
    }
  }
  return null;
}

test('staff apply a remittance file and the provider sees the invoice paid', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'payments@council.example', demoPassword);
  const inv = await invoiceAwaitingPayment(page);
  assert.ok(inv, 'the demo data has an approved or scheduled invoice for SUP1001 or SUP1002');
  const today = londonToday();
  const reference = `RUN-${Date.now()}`;

  await gotoOK(page, '/staff/remittance');
  assert.match(await page.locator('h1').innerText(), /Payment runs/);
  assert.ok(await page.locator('nav a[href="/staff/remittance"]').count() >= 1, 'payment runs are in the menu');
  await expectNoAxeViolations(page, 'payment runs');

  // A malformed file: the line is named and nothing is kept.
  await page.setInputFiles('#file', csvFile('bad.csv',
    `supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n${inv.ref},${inv.number},12x,${today},${reference}\n`));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload and check' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Line 2, column amount_paid: enter an amount like 1234\.50/);
  assert.ok(await page.locator('#file-error').count() === 1, 'the message is next to the file field');
  await expectNoAxeViolations(page, 'payment runs with a malformed file');

  // The real file: one invoice paid in full, one unknown, one difference.
  const csv = 'supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\r\n' +
    `${inv.ref},${inv.number},${inv.total},${today},${reference}\r\n` +
    `${inv.ref},NOT-AN-INVOICE-${Date.now()},10.00,${today},${reference}\r\n`;
  await page.setInputFiles('#file', csvFile('payment-run.csv', csv));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload and check' }).click()]);
  assert.match(page.url(), /\/staff\/remittance\/[0-9a-f]{64}$/);
  assert.match(await page.locator('h1').innerText(), /Check the payment run/);
  assert.match(await page.locator('#rows-matched').innerText(), new RegExp(inv.number.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.match(await page.locator('#rows-unknown').innerText(), /has no invoice numbered NOT-AN-INVOICE/);
  await expectNoAxeViolations(page, 'payment run preview');

  await Promise.all([page.waitForNavigation(), page.locator('#apply').click()]);
  assert.match(await page.locator('h1').innerText(), /Payment run applied/);
  assert.match(await page.locator('#count-paid').innerText(), /^1 line/);
  assert.match(await page.locator('#rows-paid').innerText(), new RegExp(reference));
  assert.equal(await page.locator('#apply').count(), 0, 'an applied run has no apply button');
  await expectNoAxeViolations(page, 'payment run applied');

  // Uploading the same file again shows the applied run and changes nothing.
  await gotoOK(page, '/staff/remittance');
  await page.setInputFiles('#file', csvFile('payment-run.csv', csv));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload and check' }).click()]);
  assert.match(await page.locator('h1').innerText(), /Payment run applied/);

  // The provider sees the invoice paid, with the payment details.
  const provider = await newPage(t);
  await signIn(provider, inv.email, demoPassword);
  await gotoOK(provider, `/invoices/${inv.id}`);
  assert.equal((await provider.locator('#status').innerText()).trim(), 'Paid');
  assert.match(await provider.locator('main').innerText(), new RegExp(reference));
  await expectNoAxeViolations(provider, 'provider invoice paid by remittance');
});

test('other brokerage staff and providers cannot record payment runs', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'brokerage@council.example', demoPassword);
  await gotoOK(page, '/staff/remittance', 403);
  assert.equal(await page.locator('nav a[href="/staff/remittance"]').count(), 0);
  const provider = await newPage(t);
  await signIn(provider, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(provider, '/staff/remittance', 403);
});

test('the contracts import page lists problems by line and imports nothing', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'admin@council.example', demoPassword);
  await gotoOK(page, '/staff/contracts/import');
  await expectNoAxeViolations(page, 'contracts import');
  await page.setInputFiles('#file', csvFile('register.csv',
    'reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n' +
    'BT-1,Browser test contract,SUP1001,Home care,2026-04-01,2026-03-01,1000\n'));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Import contracts' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Line 2, column end_date: the end date must be the same as or after the start date/);
  await expectNoAxeViolations(page, 'contracts import with problems');
  await gotoOK(page, '/staff/contracts?q=BT-1');
  assert.equal(await page.locator('#contract-list').count(), 0, 'nothing was imported');
});
