// The whole care package journey of issue #16, in the browser and through
// the pages only (links, buttons and forms; no API): brokerage places a
// package with Sunrise, the provider accepts it and confirms the cycle's
// actuals with the package delivered differently beyond the tolerance
// (40 hours of the 56 planned, in hospital), brokerage accepts the
// difference with a note, the provider sees the decision, brokerage
// generates the cycle's invoice, payments staff approve it and pay it
// from an uploaded remittance file, and the provider's remittance advice
// lists the package and its amount (40 x £23.50 = £940.00); brokerage
// then corrects the paid cycle to 30 hours (£235.00 overpaid) and
// payments staff record the overpayment set off. Each step
// checks the banner saying what happened and what happens next. Axe on
// every page; the pages new in #16 also at 320 px (with no sideways
// scrolling outside a table's scroll region) and 1280 px.
//
// The cycle: the latest four-weekly cycle that has ended, which the demo
// data leaves for the provider to confirm (cmd/portal/demo_packages.go
// confirms only cycles that ended more than 28 days ago). The package
// starts on that cycle's first day, so its first cycle is one nobody has
// confirmed. The package reference is new on each run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, expectNoAxeViolationsAtBothWidths, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const broker = 'brokerage@council.example';
const payments = 'payments@council.example';
const provider = 'manager@sunrise-care.example';
const supplierRef = 'SUP1001';
const ref = `PJ-${Date.now() % 1000000}`;
const pkgID = `pk-${ref}`;

// Days as YYYY-MM-DD, counted in whole days (UTC arithmetic on dates).
const londonToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
const dayNumber = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86400000);
const isoOf = (n) => new Date(n * 86400000).toISOString().slice(0, 10);

// The start of the latest four-weekly cycle that has ended by today: the
// portal's default billing counts cycles of 28 days from Monday 1 January
// 2024 (payments/packages/cycles.go).
function latestEndedCycle(today) {
  const epoch = dayNumber('2024-01-01');
  const k = Math.floor((dayNumber(today) - epoch - 27) / 28);
  return isoOf(epoch + 28 * k);
}

// "2026-11-02" as the portal shows it: "2 November 2026".
const shown = (iso) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
  .format(new Date(`${iso}T00:00:00Z`));

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Clicks and waits for the page the click leads to.
async function follow(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

const banner = (page) => page.locator('.govuk-notification-banner').innerText();

test('care package journey: placed, accepted, confirmed with a difference, accepted, invoiced, approved, paid, advised', async (t) => {
  const today = londonToday();
  const cycleStart = latestEndedCycle(today);
  const cycleEnd = isoOf(dayNumber(cycleStart) + 27);
  const cycleName = `${shown(cycleStart)} to ${shown(cycleEnd)}`;
  const [y, m, d] = cycleStart.split('-').map(Number);

  // 1. Brokerage places the package: 14 hours a week at £23.50 from the cycle's first day.
  const br = await newPage(t);
  await signIn(br, broker, demoPassword);
  await gotoOK(br, '/staff/packages');
  await expectNoAxeViolationsAtBothWidths(br, 'staff package list');
  await follow(br, br.getByRole('button', { name: 'Place a package' }));
  assert.equal(new URL(br.url()).pathname, '/staff/packages/new');
  await expectNoAxeViolationsAtBothWidths(br, 'place a package');
  const options = await br.locator('#contract_ref option').allInnerTexts();
  const contract = options.filter((o) => /^ASC-/.test(o) && o.includes('Sunrise Home Care') && /Home care/i.test(o)).pop();
  assert.ok(contract, 'a Sunrise home care contract to place the package on');
  const contractRef = contract.split(':')[0];
  await br.selectOption('#contract_ref', { label: contract });
  await br.fill('#package_ref', ref);
  await br.fill('#client_ref', `CL-${ref}`);
  await br.fill('#client_name', 'Joan Journey');
  await br.fill('#date_of_birth', '14/6/1939');
  await br.selectOption('#service_type', 'home-care');
  await br.check('#unit');
  await br.fill('#units_per_week', '14');
  await br.fill('#rate', '23.50');
  await br.fill('#start_date', `${d}/${m}/${y}`);
  await follow(br, br.getByRole('button', { name: 'Place the package' }));
  assert.equal(new URL(br.url()).pathname, `/staff/packages/${pkgID}`);
  assert.match(await banner(br), /is placed with Sunrise Home Care Ltd/);
  assert.match(await br.locator('h1').innerText(), new RegExp(`${escape(ref)}[\\s\\S]*Proposed`));
  assert.match(await br.locator('#person').innerText(), /Joan Journey/);
  await expectNoAxeViolationsAtBothWidths(br, 'placed package (staff)');

  // 2. The provider finds it in its list and accepts it.
  const pr = await newPage(t);
  await signIn(pr, provider, demoPassword);
  await gotoOK(pr, `/packages?q=${ref}`);
  const list = await pr.locator('#package-list').innerText();
  assert.ok(list.includes('J. J.') && !list.includes('Joan Journey'), 'the list shows initials, not the name');
  await expectNoAxeViolationsAtBothWidths(pr, 'provider package list');
  await follow(pr, pr.getByRole('link', { name: ref }));
  await expectNoAxeViolationsAtBothWidths(pr, 'proposed package (provider)');
  await follow(pr, pr.getByRole('button', { name: 'Accept the package' }));
  assert.match(await banner(pr), /You accepted the package/);
  assert.match(await pr.locator('h1').innerText(), /Active/);
  // The package page lists its cycles: the ended one is to confirm.
  const cycleRow = pr.locator('#package-cycles tbody tr', { hasText: cycleName });
  assert.match(await cycleRow.innerText(), /To confirm/);
  await expectNoAxeViolationsAtBothWidths(pr, 'accepted package (provider)');

  // 3. The provider confirms the cycle: 40 hours of the 56 planned, in hospital.
  await follow(pr, cycleRow.getByRole('link', { name: cycleName }));
  assert.equal(new URL(pr.url()).pathname.split('/').pop(), cycleStart);
  assert.match(await pr.locator('h1').innerText(), new RegExp(`Care delivered from ${escape(cycleName)}`));
  assert.equal(await pr.inputValue(`#units-${ref}`), '56', 'the planned units are filled in');
  await expectNoAxeViolationsAtBothWidths(pr, 'cycle to confirm');
  await pr.fill(`#units-${ref}`, '40');
  await pr.selectOption(`#reason-${ref}`, { label: 'Person in hospital' });
  await pr.fill(`#note-${ref}`, 'In hospital for eight days');
  await follow(pr, pr.getByRole('button', { name: 'Confirm the cycle' }));
  const confirmed = await banner(pr);
  assert.match(confirmed, /You confirmed the care delivered for \d+ packages?\./);
  assert.match(confirmed, /1 difference waits for brokerage to accept; you will see the decision here\./);
  assert.match(confirmed, /The council invoices the cycle from these actuals: you do not need to send an invoice\./);
  const myLine = pr.locator('#cycle-lines tbody tr', { hasText: ref });
  assert.match(await myLine.innerText(), /56[\s\S]*40[\s\S]*hospital[\s\S]*Waiting/i);
  await expectNoAxeViolationsAtBothWidths(pr, 'confirmed cycle (provider)');

  // 4. Brokerage sees the difference waiting and accepts it with a note.
  await gotoOK(br, '/staff/actuals');
  const waiting = br.locator('#waiting tbody tr', { hasText: ref });
  assert.match(await waiting.innerText(), /56[\s\S]*40[\s\S]*hospital/i);
  await expectNoAxeViolationsAtBothWidths(br, 'actuals waiting for a decision');
  await follow(br, waiting.getByRole('link', { name: new RegExp(`${escape(contractRef)}, ${escape(cycleName)}`) }));
  await expectNoAxeViolationsAtBothWidths(br, 'staff cycle with a difference waiting');
  await br.fill(`#note-${pkgID}`, 'Hospital stay confirmed by the ward');
  await follow(br, br.getByRole('button', { name: `Accept 40 for package ${ref}` }));
  assert.match(await banner(br), /Your decision is recorded; the provider can see it\. When no differences wait, generate the cycle's invoice\./);
  assert.match(await br.locator('#cycle-lines tbody tr', { hasText: ref }).innerText(), /Accepted[\s\S]*Hospital stay confirmed by the ward/);
  await expectNoAxeViolationsAtBothWidths(br, 'staff cycle decided');

  // 5. The provider sees the decision.
  await gotoOK(pr, `/packages/${pkgID}`);
  await follow(pr, pr.locator('#package-cycles tbody tr', { hasText: cycleName }).getByRole('link', { name: cycleName }));
  assert.match(await pr.locator('#cycle-lines tbody tr', { hasText: ref }).innerText(), /Accepted[\s\S]*Hospital stay confirmed by the ward/);
  await expectNoAxeViolations(pr, 'decision seen by the provider');

  // 6. Brokerage generates the cycle's invoice.
  await follow(br, br.getByRole('button', { name: 'Generate the invoice' }));
  const generated = await banner(br);
  const gm = generated.match(/Invoice (\S+) for (£[\d,]+\.\d\d) is generated and submitted; approve it from the invoices work queue\./);
  assert.ok(gm, `the banner names the invoice: ${generated}`);
  const [, number, total] = gm;
  const billLine = br.locator('#bill-lines tbody tr', { hasText: ref });
  assert.match(await billLine.innerText(), /40[\s\S]*£23\.50[\s\S]*£940\.00/);
  await expectNoAxeViolationsAtBothWidths(br, 'staff cycle invoiced');

  // 7. Payments staff find it in the work queue and approve it.
  const pay = await newPage(t);
  await signIn(pay, payments, demoPassword);
  await gotoOK(pay, `/staff/invoices?q=${encodeURIComponent(number)}`);
  await expectNoAxeViolations(pay, 'invoices work queue');
  await follow(pay, pay.locator('#invoice-list').getByRole('link', { name: number }));
  assert.equal((await pay.locator('#status').innerText()).trim(), 'Submitted');
  await expectNoAxeViolations(pay, 'generated invoice (staff)');
  await follow(pay, pay.getByRole('button', { name: 'Approve invoice' }));
  assert.equal((await pay.locator('#status').innerText()).trim(), 'Approved');
  await expectNoAxeViolations(pay, 'approved invoice (staff)');

  // 8. A remittance file pays it: uploaded, checked, applied.
  const reference = `BACS-${ref}`;
  const amount = total.replace(/[£,]/g, '');
  await gotoOK(pay, '/staff/remittance');
  await pay.setInputFiles('#file', { name: 'payment-run.csv', mimeType: 'text/csv', buffer: Buffer.from(
    `supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\r\n${supplierRef},${number},${amount},${today},${reference}\r\n`) });
  await follow(pay, pay.getByRole('button', { name: 'Upload and check' }));
  assert.match(await pay.locator('h1').innerText(), /Check the payment run/);
  assert.match(await pay.locator('#rows-matched').innerText(), new RegExp(escape(number)));
  await expectNoAxeViolations(pay, 'payment run preview');
  await follow(pay, pay.locator('#apply'));
  // A long run is applied in the background: refresh until it has finished.
  for (let i = 0; i < 30 && !/Payment run applied/.test(await pay.locator('h1').innerText()); i++) {
    await pay.waitForTimeout(500);
    const refresh = pay.locator('#refresh');
    if (await refresh.count()) await follow(pay, refresh);
    else await pay.reload();
  }
  assert.match(await pay.locator('h1').innerText(), /Payment run applied/);
  assert.match(await pay.locator('#rows-paid').innerText(), new RegExp(escape(reference)));
  await expectNoAxeViolations(pay, 'payment run applied');

  // 9. The provider opens the remittance advice: the package and its amount.
  await gotoOK(pr, '/invoices');
  await follow(pr, pr.locator('#remittances-link'));
  const adviceRow = pr.locator('#remittance-list tbody tr', { hasText: reference });
  assert.equal(await adviceRow.count(), 1, 'the payment is listed');
  await expectNoAxeViolationsAtBothWidths(pr, 'remittance advice list');
  await follow(pr, adviceRow.locator('a').first());
  assert.equal((await pr.locator('#advice-reference').innerText()).trim(), reference);
  assert.equal((await pr.locator('#advice-total').innerText()).trim(), total);
  assert.match(await pr.locator('#advice-lines').innerText(), new RegExp(escape(number)));
  const item = pr.locator('.advice-items tbody tr', { hasText: `Care package ${ref} ` });
  assert.equal(await item.count(), 1, 'the advice lists the package');
  assert.match(await item.innerText(), /Care package \S+ \(hours\)[\s\S]*40[\s\S]*£23\.50[\s\S]*£940\.00/);
  await expectNoAxeViolationsAtBothWidths(pr, 'remittance advice by package');

  // 10. Brokerage corrects the paid cycle to 30 hours: a credit note of
  // 10 x £23.50 = £235.00 on an invoice paid in full, so £235.00 is
  // overpaid. Payments staff record it set off against a later payment;
  // the invoice leaves the Overpaid list.
  await br.selectOption('#correct_package', pkgID);
  await br.fill('#correct_units', '30');
  await br.fill('#correct_note', 'Two visits a week were not made');
  await follow(br, br.getByRole('button', { name: 'Record the correction' }));
  await gotoOK(pay, '/staff/invoices?overpaid=yes');
  await follow(pay, pay.locator('#invoice-list').getByRole('link', { name: number }));
  assert.match(await pay.locator('#recover-left').innerText(), /Still overpaid: £235\.00/);
  await expectNoAxeViolationsAtBothWidths(pay, 'overpaid invoice with the recovery form');
  await pay.check('input[name="recovery_method"][value="set-off"]');
  await pay.fill('#recovery_date', today);
  await pay.fill('#recovery_amount', '235.01');
  await pay.fill('#recovery_reference', `SETOFF-${ref}`);
  await follow(pay, pay.getByRole('button', { name: 'Record the recovery' }));
  assert.match(await pay.locator('#recovery_amount-error').innerText(), /more than the overpayment left to recover \(£235\.00\)/);
  assert.equal(await pay.inputValue('#recovery_reference'), `SETOFF-${ref}`);
  await expectNoAxeViolationsAtBothWidths(pay, 'recovery form with an error');
  await pay.fill('#recovery_amount', '235.00');
  await follow(pay, pay.getByRole('button', { name: 'Record the recovery' }));
  assert.match(await banner(pay), /The whole overpayment is recovered, so the invoice has left the Overpaid list/);
  assert.match(await pay.locator('#money-recovered').innerText(), /£235\.00 set off against a later payment/);
  assert.equal(await pay.locator('#money-overpaid').count(), 0, 'no longer overpaid');
  await expectNoAxeViolationsAtBothWidths(pay, 'invoice with the overpayment recovered');
  await gotoOK(pay, '/staff/invoices?overpaid=yes');
  assert.equal(await pay.locator('#invoice-list').getByRole('link', { name: number }).count(), 0, 'off the Overpaid list');
});
