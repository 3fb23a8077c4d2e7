// Self-assessment: a commissioner runs a round in the browser — starts it
// from the 2022 baseline, scores a question (a bad score first), adopts the
// suggested score from the live payment evidence on the commissioning
// process questions, adds a plan action, agrees the round and opens the
// printable report. Axe on every page type.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const click = (page, locator) => Promise.all([page.waitForNavigation(), locator.click()]);

test('a commissioner runs a self-assessment round from start to print', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'commissioner@council.example', demoPassword);

  await gotoOK(page, '/assessment');
  await expectNoAxeViolations(page, 'self-assessment rounds');
  const rounds = await page.locator('main').innerText();
  assert.match(rounds, /2022 peer review baseline/, 'the 2022 baseline is loaded');
  assert.match(rounds, /Agreed/);
  assert.equal(await page.locator('svg.app-chart[role="img"]').count(), 1, 'aspect chart is drawn');
  assert.match(rounds, /Aspect scores by round \(table\)/, 'the chart has a table');

  // Start a round from the baseline.
  const name = `Browser round ${Date.now() % 100000}`;
  await click(page, page.getByRole('button', { name: 'Start a new round' }));
  await expectNoAxeViolations(page, 'start a round');
  await page.fill('#name', name);
  await page.fill('#date', '2026-03-27');
  await page.fill('#participants', 'Commissioning; Brokerage Payments');
  await page.selectOption('#from', 'round-2022-baseline');
  await click(page, page.getByRole('button', { name: 'Start the round' }));
  assert.match(page.url(), /\/assessment\/rounds\/round-[0-9a-f]+$/);
  const roundPath = new URL(page.url()).pathname;
  assert.equal((await page.locator('h1').innerText()).trim(), name);
  await expectNoAxeViolations(page, 'round overview');

  // The commissioning process aspect, with live payment evidence on 7.2.
  await click(page, page.getByRole('link', { name: '7. Commissioning process' }));
  await expectNoAxeViolations(page, 'aspect page');
  const card = page.locator('#question-7\\.2');
  const cardText = await card.innerText();
  assert.match(cardText, /Does your commissioning process support good competition, collaboration, commercials, clarity of contracting and transactional improvement\?/);
  assert.match(cardText, /15 – Poor/, 'the 2022 score is the starting point, with its band in words');
  assert.match(cardText, /Payments made within days 1 to 30 of receipt\s+[\d.]+%/, 'live payment evidence: share of payments in the reg 38 band days 1 to 30');
  assert.match(cardText, /Mean days to pay\s+[\d.]+ days?/, 'live payment evidence: mean days to pay');

  // Score it: a bad score first.
  await click(page, card.getByRole('link', { name: /Score/ }));
  await expectNoAxeViolations(page, 'question page');
  assert.match(await page.locator('main').innerText(), /Trend: Payments made within days 1 to 30 of receipt/);
  await page.fill('#observation', 'Payments are faster since weekly runs began.');
  await page.fill('#score', '150');
  await click(page, page.getByRole('button', { name: 'Save my score' }));
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Score must be between 0 and 100/);
  assert.equal(await page.inputValue('#score'), '150', 'the score typed is kept');
  assert.equal(await page.inputValue('#observation'), 'Payments are faster since weekly runs began.', 'the observation typed is kept');
  assert.match(await page.title(), /^Error:/);
  await expectNoAxeViolations(page, 'question page with an error');

  // Adopt the suggested score.
  const adopt = page.getByRole('button', { name: /Adopt the suggested score of \d+/ });
  const suggested = (await adopt.innerText()).match(/(\d+)$/)[1];
  await click(page, adopt);
  assert.match(page.url(), /\/aspects\/7#question-7\.2$/);
  const scored = await page.locator('#question-7\\.2').innerText();
  assert.match(scored, new RegExp(`${suggested} – (Poor|Fair|Good|Excellent)`), 'the suggested score is set');
  assert.match(scored, /the suggested score from the evidence/);

  // Add a plan action for the question.
  await click(page, page.locator('#question-7\\.2').getByRole('link', { name: /Score/ }));
  await click(page, page.getByRole('link', { name: 'Add an action for this question' }));
  await expectNoAxeViolations(page, 'add a plan action');
  assert.equal(await page.inputValue('#question'), '7.2', 'the question is chosen');
  const action = `Weekly payment runs ${Date.now() % 100000}`;
  await page.fill('#text', action);
  await page.fill('#owner', 'Brokerage Payments');
  await page.fill('#due', '2026-06-30');
  await click(page, page.getByRole('button', { name: 'Add the action' }));
  assert.match(page.url(), /\/assessment\/plan$/);
  assert.match(await page.locator('#aspect-7 + .app-table-scroll table').innerText(), new RegExp(action));
  await expectNoAxeViolations(page, 'development plan');

  // Compare with the baseline, and the live evidence page.
  await gotoOK(page, `/assessment/compare?before=round-2022-baseline&after=${roundPath.split('/').pop()}`);
  assert.match(await page.locator('main').innerText(), /(Up|Down|No change) \([+−]?\d+\)/, 'changes are written with their direction');
  await expectNoAxeViolations(page, 'compare rounds');
  await gotoOK(page, '/assessment/indicators');
  await expectNoAxeViolations(page, 'live evidence');

  // Agree the round: confirmation needed.
  await gotoOK(page, roundPath);
  await click(page, page.getByRole('button', { name: 'Agree this round' }));
  await expectNoAxeViolations(page, 'agree a round');
  await click(page, page.getByRole('button', { name: 'Agree the round' }));
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Confirm that the participants have agreed/);
  await page.check('#confirm');
  await click(page, page.getByRole('button', { name: 'Agree the round' }));
  assert.equal(new URL(page.url()).pathname, roundPath);
  assert.match(await page.locator('main').innerText(), /This round is agreed/);
  assert.equal(await page.getByRole('button', { name: 'Agree this round' }).count(), 0);

  // The printable report, with its print stylesheet and the evidence.
  await click(page, page.getByRole('link', { name: 'Printable report' }));
  await expectNoAxeViolations(page, 'printable report');
  assert.equal(await page.locator('link[rel="stylesheet"][media="print"]').count(), 1, 'print stylesheet linked');
  const report = await page.locator('main').innerText();
  assert.match(report, /Live evidence when the round was agreed/);
  assert.match(report, /Payments made within days 1 to 30 of receipt\s+[\d.]+%/);
  assert.match(report, new RegExp(action));
});

test('brokerage staff can read the self-assessment but not change it; providers cannot see it', async (t) => {
  const staff = await newPage(t);
  await signIn(staff, 'payments@council.example', demoPassword);
  await gotoOK(staff, '/assessment');
  assert.equal(await staff.getByRole('button', { name: 'Start a new round' }).count(), 0);
  await gotoOK(staff, '/assessment/rounds/round-2022-baseline/aspects/7');
  await expectNoAxeViolations(staff, 'aspect page (read-only)');
  await gotoOK(staff, '/assessment/rounds/new', 403);

  const provider = await newPage(t);
  await signIn(provider, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(provider, '/assessment', 403);
});
