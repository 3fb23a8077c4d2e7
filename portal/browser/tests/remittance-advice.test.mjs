// Remittance advice: a provider finds the list from its invoices, reads one
// payment's advice (date, reference, total, each invoice with its gross,
// amount paid and balance left), follows it to a paid invoice and back,
// and downloads the CSV and the PDF. Another provider gets "not found".
// Axe at 320 px and 1280 px on each page, and no sideways scrolling at
// 320 px outside a table's scroll region.
//
// The demo data has paid invoices for Sunrise (SUP1001).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, expectNoAxeViolationsAtBothWidths, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const provider = 'manager@sunrise-care.example';
const otherProvider = 'manager@oakfield-homes.example';

async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const path = await dl.path();
  assert.ok(path, `${selector}: the download did not complete`);
  return { name: dl.suggestedFilename(), data: await readFile(path) };
}

const pence = (s) => Math.round(Number(String(s).replace(/[£,\s]/g, '')) * 100);

test('a provider reads a remittance advice and downloads it as CSV and PDF', async (t) => {
  const page = await newPage(t);
  await signIn(page, provider, demoPassword);

  await gotoOK(page, '/invoices');
  await Promise.all([page.waitForNavigation(), page.locator('#remittances-link').click()]);
  assert.equal(new URL(page.url()).pathname, '/remittances');
  assert.match(await page.locator('h1').innerText(), /Remittance advice/);
  const rows = page.locator('#remittance-list tbody tr');
  assert.ok(await rows.count() > 0, 'the demo provider has payments');
  await expectNoAxeViolationsAtBothWidths(page, 'remittance advice list');

  // The newest payment's advice.
  const listTotal = (await rows.first().locator('td').last().innerText()).trim();
  await Promise.all([page.waitForNavigation(), rows.first().locator('a').first().click()]);
  const advicePath = new URL(page.url()).pathname;
  assert.match(advicePath, /^\/remittances\/[0-9a-f]{24}$/);
  const reference = (await page.locator('#advice-reference').innerText()).trim();
  assert.ok(reference.length > 0 && reference !== '–', 'the advice has a payment reference');
  assert.equal((await page.locator('#advice-total').innerText()).trim(), listTotal);
  const lines = page.locator('#advice-lines tbody tr');
  const n = await lines.count();
  assert.ok(n > 0, 'the advice lists the invoices it covers');
  const pageRows = [];
  let paid = 0;
  for (let i = 0; i < n; i++) {
    const cells = (await lines.nth(i).locator('td').allInnerTexts()).map((s) => s.trim());
    pageRows.push(cells);
    paid += pence(cells[2]);
  }
  assert.equal(paid, pence(listTotal), 'the lines add up to the total paid');
  await expectNoAxeViolationsAtBothWidths(page, 'remittance advice');

  // To the paid invoice and back, by its payments table.
  const number = pageRows[0][0];
  await Promise.all([page.waitForNavigation(), lines.first().locator('a').click()]);
  assert.match(await page.locator('h1').innerText(), new RegExp(number));
  assert.match(await page.locator('#money').innerText(), /Balance left to pay/);
  const back = page.locator(`#money-lines a[href="${advicePath}"]`);
  assert.ok(await back.count() > 0, 'the invoice links to its remittance advice');
  await expectNoAxeViolationsAtBothWidths(page, 'paid invoice');
  await Promise.all([page.waitForNavigation(), back.first().click()]);
  assert.equal(new URL(page.url()).pathname, advicePath);

  // The CSV: the page's figures.
  const csv = await download(page, '#advice-csv');
  assert.match(csv.name, /^remittance-advice-\d{4}-\d{2}-\d{2}.*\.csv$/);
  // Rows of invoice lines (line_description set) follow their invoice's row.
  const csvLines = csv.data.toString('utf8').trim().split(/\r?\n/).filter((l, i) => i === 0 || !l.split(',')[8]);
  assert.equal(csvLines[0], 'payment_date,payment_reference,provider,invoice_number,invoice_total,paid,credited,balance_left,line_description,line_units,line_rate,line_amount');
  assert.equal(csvLines.length, 1 + n);
  for (let i = 0; i < n; i++) {
    const cells = csvLines[i + 1].split(',');
    assert.equal(cells[1], reference);
    assert.equal(cells[3], pageRows[i][0]);
    for (let j = 1; j < 5; j++) {
      assert.equal(pence(cells[3 + j]), pence(pageRows[i][j]), `CSV line ${i + 2}, column ${j + 4}`);
    }
  }

  // The PDF.
  const pdf = await download(page, '#advice-pdf');
  assert.match(pdf.name, /\.pdf$/);
  assert.equal(pdf.data.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.data.includes(Buffer.from(reference, 'latin1')), 'the PDF names the payment reference');

  // Another provider: not found.
  const other = await newPage(t);
  await signIn(other, otherProvider, demoPassword);
  await gotoOK(other, advicePath, 404);
  await gotoOK(other, `${advicePath}.pdf`, 404);
});
