// Market position statements: a commissioner edits the draft (first with a
// bad table line) and publishes a new version; a provider reads it, views
// the differences and the printable version, and leaves feedback (first
// empty); the commissioner answers and the provider sees the answer.
// Axe on every page type.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

test('a new statement version from draft to feedback and answer', async (t) => {
  const stamp = Date.now() % 100000;
  const rate = `£2${stamp % 10}.${String(stamp % 100).padStart(2, '0')} an hour`;

  // The commissioner edits the home care section of the draft.
  const com = await newPage(t);
  await signIn(com, 'commissioner@council.example', demoPassword);
  await gotoOK(com, '/commission/statements');
  await expectNoAxeViolations(com, 'commissioner statements list');
  await click(com, com.getByRole('link', { name: /Adult social care market position statement/ }));
  await expectNoAxeViolations(com, 'draft statement');
  await click(com, com.getByRole('link', { name: 'Edit Home care' }));
  await expectNoAxeViolations(com, 'edit section');

  const text = `Home care demand keeps rising (${stamp}). We will publish zoned contracts soon.`;
  await com.fill('#text', text);
  await com.fill('#table-prices', 'Home care framework rate');
  await click(com, com.getByRole('button', { name: 'Save section' }));
  assert.match(await com.locator('.govuk-error-summary').innerText(), /Prices table: Line 1 has no value/);
  assert.equal(await com.inputValue('#text'), text, 'text kept');
  assert.match(await com.title(), /^Error:/);
  await expectNoAxeViolations(com, 'edit section with errors');

  await com.fill('#table-prices', `Home care framework rate | ${rate} | From April`);
  await click(com, com.getByRole('button', { name: 'Save section' }));
  assert.match(com.url(), /\/commission\/statements\/mps_[0-9a-f]+$/);
  await click(com, com.getByRole('link', { name: 'Change title and summary' }));
  await expectNoAxeViolations(com, 'title and summary');
  await click(com, com.getByRole('button', { name: 'Save draft' }));

  // Publishing needs a note of what changed.
  await click(com, com.getByRole('button', { name: 'Publish version' }));
  assert.match(await com.locator('.govuk-error-summary').innerText(), /Enter what changed in this version/);
  await expectNoAxeViolations(com, 'publish with errors');
  await com.fill('#changeNote', `Home care rate updated (${stamp})`);
  await click(com, com.getByRole('button', { name: 'Publish version' }));
  assert.match(com.url(), /\/statements\/mps_[0-9a-f]+\/versions\/\d+$/);
  const versionPath = new URL(com.url()).pathname;
  const n = Number(versionPath.split('/').pop());
  assert.ok(n >= 3, 'the demo has two versions; this is at least the third');

  // A provider reads the current statement, the differences and the print version.
  const prov = await newPage(t);
  await signIn(prov, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(prov, '/statements');
  await expectNoAxeViolations(prov, 'current statement');
  assert.match(await prov.locator('main').innerText(), new RegExp(`Home care demand keeps rising \\(${stamp}\\)`));
  assert.match(await prov.locator('main').innerText(), new RegExp(rate.replace(/[.$]/g, '\\$&')));
  await click(prov, prov.getByRole('link', { name: `See what changed since version ${n - 1}` }));
  await expectNoAxeViolations(prov, 'differences between versions');
  const diff = await prov.locator('#diff-home-care').locator('..').innerText();
  assert.match(diff, /\[added: /, 'added words are announced');
  assert.match(diff, /\[removed: /, 'removed words are announced');
  assert.ok(await prov.locator('section.app-diff ins').count() > 0);
  await gotoOK(prov, `${versionPath}/print`);
  await expectNoAxeViolations(prov, 'printable statement');
  await gotoOK(prov, versionPath.replace(/\d+$/, '1'));
  await expectNoAxeViolations(prov, 'an earlier version');
  assert.match(await prov.locator('.govuk-warning-text').innerText(), /not the current version/);

  // Feedback on the home care section: empty first.
  await gotoOK(prov, '/statements');
  await click(prov, prov.getByRole('link', { name: 'Give feedback on Home care section' }));
  await expectNoAxeViolations(prov, 'feedback form');
  assert.equal(await prov.inputValue('#area'), 'home-care');
  await click(prov, prov.getByRole('button', { name: 'Send feedback' }));
  assert.match(await prov.locator('.govuk-error-summary').innerText(), /Enter your feedback/);
  await expectNoAxeViolations(prov, 'feedback form with errors');
  const feedback = `Please publish rates earlier in the year (${stamp}).`;
  await prov.fill('#message', feedback);
  await click(prov, prov.getByRole('button', { name: 'Send feedback' }));
  assert.match(prov.url(), /\/statements\/feedback$/);
  await expectNoAxeViolations(prov, 'provider feedback list');
  assert.match(await prov.locator('main').innerText(), new RegExp(`rates earlier in the year \\(${stamp}\\)`));

  // The commissioner answers from the inbox.
  await gotoOK(com, '/commission/statements/feedback');
  await expectNoAxeViolations(com, 'feedback inbox');
  const card = com.locator('.govuk-summary-card', { hasText: feedback });
  await click(com, card.getByRole('link', { name: /^Answer/ }));
  await expectNoAxeViolations(com, 'answer feedback');
  await click(com, com.getByRole('button', { name: 'Send answer' }));
  assert.match(await com.locator('.govuk-error-summary').innerText(), /Enter an answer/);
  await com.fill('#answer', `We will publish April rates by January (${stamp}).`);
  await click(com, com.getByRole('button', { name: 'Send answer' }));
  assert.match(com.url(), /\/commission\/statements\/feedback$/);

  await gotoOK(prov, '/statements/feedback');
  assert.match(await prov.locator('main').innerText(), new RegExp(`publish April rates by January \\(${stamp}\\)`));
  await gotoOK(prov, '/notifications');
  assert.match(await prov.locator('main').innerText(), /Commissioners answered your feedback/);
});
