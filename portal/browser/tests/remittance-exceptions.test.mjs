// Payment run exceptions: Brokerage Payments staff upload a remittance
// file with one line of each exception kind (an unknown invoice, a short
// payment, an over payment, an invoice already paid, an invoice not
// approved, a line that is not the portal's), apply it, and resolve each
// kind on the run's page: match the unknown line to an invoice by hand,
// accept the short and the over payment, mark a line "not ours" with a
// note, acknowledge the invoice paid without approval. Axe at 320 px and
// 1280 px on the run's page before and after.
//
// The invoices come from the demo data, read from the staff invoice list:
// three approved (or scheduled) ones, one paid and one submitted, of the
// same supplier.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

function csvFile(name, text) {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') };
}

const pence = (text) => Math.round(Number(text.replace(/[£,]/g, '')) * 100);
const pounds = (p) => (p / 100).toFixed(2);

// The invoices of a supplier by status, from the staff invoice search
// (every page of it).
async function invoicesOf(page, ref) {
  const out = { open: [], paid: [], submitted: [] };
  let path = `/staff/invoices?q=${ref}`;
  for (let n = 0; path && n < 20; n++) {
    await gotoOK(page, path);
    const rows = page.locator('#invoice-list tbody tr');
    const count = await rows.count();
    for (let i = 0; i < count; i++) {
      const cells = rows.nth(i).locator('td');
      const status = (await cells.nth(5).innerText()).trim();
      const link = cells.nth(0).locator('a');
      const inv = { number: (await link.innerText()).trim(), total: pence((await cells.nth(4).innerText()).trim()) };
      if (status === 'Approved' || status === 'Payment scheduled') out.open.push(inv);
      else if (status === 'Paid') out.paid.push(inv);
      else if (status === 'Submitted') out.submitted.push(inv);
    }
    const next = page.locator('a[rel="next"]');
    path = (await next.count()) > 0 ? await next.first().getAttribute('href') : null;
  }
  return out;
}

async function axeBoth(page, label) {
  await page.setViewportSize({ width: 320, height: 640 });
  await expectNoAxeViolations(page, `${label} at 320 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, `${label} at 1280 px`);
}

// Records a decision on a line of the run's page and checks what it says.
async function decide(page, line, { kind, note, invoiceNumber }) {
  const row = page.locator(`#line-${line}`);
  await row.locator(`input[name="kind"][value="${kind}"]`).check();
  if (invoiceNumber) await page.fill(`#invoice_number-${line}`, invoiceNumber);
  if (note) await page.fill(`#note-${line}`, note);
  await Promise.all([page.waitForNavigation(), row.getByRole('button', { name: `Record the decision for line ${line}` }).click()]);
  assert.match(await page.locator('.govuk-notification-banner, [role="status"], [role="alert"]').first().innerText(), new RegExp(`Line ${line} resolved`));
  return (await page.locator(`#decision-${line}`).innerText()).trim();
}

test('staff resolve each kind of payment run exception', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'payments@council.example', demoPassword);
  let ref;
  let inv;
  for (const r of ['SUP1001', 'SUP1002']) {
    inv = await invoicesOf(page, r);
    if (inv.open.length >= 3 && inv.paid.length >= 1 && inv.submitted.length >= 1) {
      ref = r;
      break;
    }
  }
  assert.ok(ref, 'the demo data has a supplier with three approved, one paid and one submitted invoice');
  const [matchTo, short, over] = inv.open;
  const paid = inv.paid[0];
  const submitted = inv.submitted[0];
  const today = londonToday();
  const reference = `EXC-${Date.now()}`;
  const lines = [
    `${ref},NOT-IN-PORTAL-${Date.now()},1.00,${today},${reference}`, // line 2: unknown invoice, matched by hand
    `SUP9999,HIGHWAYS-1,20.00,${today},${reference}`, // line 3: unknown supplier: not ours
    `${ref},${short.number},${pounds(short.total - 100)},${today},${reference}`, // line 4: £1.00 short
    `${ref},${over.number},${pounds(over.total + 100)},${today},${reference}`, // line 5: £1.00 over
    `${ref},${paid.number},${pounds(paid.total)},${today},${reference}`, // line 6: already paid
    `${ref},${submitted.number},${pounds(submitted.total)},${today},${reference}`, // line 7: not approved
  ];
  await gotoOK(page, '/staff/remittance');
  await page.setInputFiles('#file', csvFile('exceptions.csv', `supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n${lines.join('\n')}\n`));
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload and check' }).click()]);
  assert.match(await page.locator('h1').innerText(), /Check the payment run/);
  assert.match(await page.locator('#count-unknown').innerText(), /^2 lines/);
  assert.match(await page.locator('#count-difference').innerText(), /^2 lines/);
  assert.match(await page.locator('#count-already_paid').innerText(), /^1 line/);
  await axeBoth(page, 'payment run with exceptions, before applying');

  await Promise.all([page.waitForNavigation(), page.locator('#apply').click()]);
  assert.match(await page.locator('h1').innerText(), /Payment run applied/);
  assert.match(await page.locator('#count-paid_unapproved').innerText(), /^1 line/);
  assert.match(await page.locator('#rows-already_paid').innerText(), new RegExp(paid.number.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(await page.locator('#line-6 form').count(), 0, 'a line already paid needs no decision');
  await axeBoth(page, 'payment run applied, exceptions open');

  // Only the lines to look at: the filter keeps the decisions in reach.
  await gotoOK(page, page.url().split('?')[0] + '?show=exceptions');
  assert.equal(await page.locator('tr[id^="line-"]').count(), 5);

  // A "not ours" without a note is refused, by the field, nothing kept.
  const row3 = page.locator('#line-3');
  await row3.locator('input[name="kind"][value="not_ours"]').check();
  await Promise.all([page.waitForNavigation(), row3.getByRole('button', { name: 'Record the decision for line 3' }).click()]);
  assert.match(await page.locator('#note-3-error').innerText(), /Enter why this line is not for the portal/);
  assert.equal(await page.locator('#decision-3').count(), 0);
  await axeBoth(page, 'payment run, a decision refused');

  assert.match(await decide(page, 2, { kind: 'match', invoiceNumber: matchTo.number }), new RegExp(`Matched by hand to invoice ${matchTo.number.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(await decide(page, 3, { kind: 'not_ours', note: 'A highways supplier: not a care payment' }), /Not ours[\s\S]*A highways supplier/);
  assert.match(await decide(page, 4, { kind: 'accept' }), /Accepted as paid/);
  assert.match(await decide(page, 5, { kind: 'accept' }), /Accepted as paid/);
  assert.match(await decide(page, 7, { kind: 'acknowledge' }), /Acknowledged/);
  assert.equal(await page.locator('tr[id^="line-"] form').count(), 0, 'every exception is resolved');
  await axeBoth(page, 'payment run, every exception resolved');

  // The short payment leaves £1.00 to pay; the over payment is owed back.
  await gotoOK(page, `/staff/invoices?q=${encodeURIComponent(short.number)}`);
  const shortRow = page.locator('#invoice-list tbody tr').filter({ hasText: short.number }).first();
  assert.notEqual((await shortRow.locator('td').nth(5).innerText()).trim(), 'Paid', 'a short payment leaves the invoice open');
});
