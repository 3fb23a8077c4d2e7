// Stacked summary cards: at 320 px the staff work queue and a provider's
// invoice list show each invoice as a card (each value labelled, nothing
// wider than the screen, no sideways scrolling in the table's region); at
// 1280 px they are ordinary tables with their header row. Bulk approval's
// checkboxes stay in each card. With PORTAL_SCREENSHOTS=dir set, each list
// is saved as dir/cards-<list>-320.png.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const lists = [
  ['staff work queue', 'payments@council.example', '/staff/invoices?queue=new', 'Provider: '],
  ['provider invoices', 'manager@sunrise-care.example', '/invoices', 'Contract: '],
];

async function layout(page) {
  return page.evaluate(() => {
    const table = document.querySelector('#invoice-list');
    const region = table.closest('.app-table-scroll');
    const row = table.querySelector('tbody tr');
    const labelled = row.querySelector('td[data-label]');
    return {
      rows: table.querySelectorAll('tbody tr').length,
      rowDisplay: getComputedStyle(row).display,
      headHeight: table.querySelector('thead').getBoundingClientRect().height,
      tableWidth: table.getBoundingClientRect().width,
      regionScroll: region.scrollWidth - region.clientWidth,
      pageScroll: document.documentElement.scrollWidth - window.innerWidth,
      label: getComputedStyle(labelled, '::before').content,
      picks: table.querySelectorAll('tbody input[type=checkbox]').length,
    };
  });
}

for (const [name, email, path, label] of lists) {
  test(`${name}: cards at 320 px, a table at 1280 px`, async (t) => {
    const page = await newPage(t);
    await signIn(page, email, demoPassword);
    await page.setViewportSize({ width: 320, height: 640 });
    await gotoOK(page, path);
    const n = await layout(page);
    t.diagnostic(`${name} at 320 px: ${JSON.stringify(n)}`);
    assert.ok(n.rows > 0, 'the demo data has rows to show');
    assert.equal(n.rowDisplay, 'block', 'each row is a card');
    assert.ok(n.headHeight <= 1, 'the header row is hidden from sight');
    assert.ok(n.tableWidth <= 320, `the card list is ${n.tableWidth} px wide`);
    assert.equal(n.regionScroll, 0, 'the list does not scroll sideways');
    assert.ok(n.pageScroll <= 0, 'the page does not scroll sideways');
    assert.equal(n.label, `"${label}"`, 'each value is labelled with its column');
    await expectNoAxeViolations(page, `${name} at 320 px`, { bestPractice: true });
    if (process.env.PORTAL_SCREENSHOTS) {
      const dir = resolve(process.env.PORTAL_SCREENSHOTS);
      mkdirSync(dir, { recursive: true });
      await page.locator('#invoice-list caption').evaluate((el) => el.scrollIntoView());
      await page.screenshot({ path: `${dir}/cards-${name.replaceAll(' ', '-')}-320.png` });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    const w = await layout(page);
    assert.equal(w.rowDisplay, 'table-row', 'a table at 1280 px');
    assert.ok(w.headHeight > 10, 'with its header row');
    assert.equal(w.label, 'none', 'and no card labels');
    if (name === 'staff work queue') assert.equal(w.picks, n.picks, 'the checkboxes are in both');
  });
}
