// Contacts: "who do I contact about...?" — find a team by topic and by
// search, named contacts for signed-in users, staff keep the directory up
// to date. Axe on every page type.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

test('signed out, a provider finds the team for an unpaid invoice by topic', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/contacts');
  await expectNoAxeViolations(page, 'contacts directory (signed out)');
  let text = await mainText(page);
  assert.match(text, /Brokerage Payments/);
  assert.match(text, /provider\.payments@council\.example/, 'team mailboxes are public');
  assert.doesNotMatch(text, /Funmi Adeyemi/, 'named contacts are for signed-in users');

  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'An invoice has not been paid' }).click()]);
  assert.match(page.url(), /\/contacts\/topics\/invoice-not-paid$/);
  text = await mainText(page);
  assert.match(await page.locator('h1').innerText(), /Brokerage Payments/);
  assert.match(text, /020 7946 0330/);
  assert.match(text, /Sign in to see the named people/);
  await expectNoAxeViolations(page, 'topic page (signed out)');
});

test('a provider searches, sees named contacts and can raise a query from the team page', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(page, '/contacts');
  await page.fill('#q', 'SAFEGUARDING');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Search' }).click()]);
  assert.match(page.url(), /\/contacts\?q=SAFEGUARDING/);
  await expectNoAxeViolations(page, 'contacts search results');
  const topics = await page.locator('#result-topics').innerText();
  assert.match(topics, /quality concern or safeguarding/i);

  // Search for a person by name.
  await page.fill('#q', 'adeyemi');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Search' }).click()]);
  assert.match(await page.locator('#result-people').innerText(), /Funmi Adeyemi/);

  // An empty search says what to do.
  await page.fill('#q', '');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Search' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter a word to search for/);
  await expectNoAxeViolations(page, 'contacts search with an error');

  await gotoOK(page, '/contacts/teams/quality-assurance');
  const people = await page.locator('#people').innerText();
  assert.match(people, /Bernadette Okafor/);
  assert.match(people, /Quality assurance manager/);
  assert.ok(await page.getByRole('link', { name: 'Raise a query with the council' }).count() === 1);
  assert.equal(await page.getByRole('link', { name: /Edit team details/ }).count(), 0, 'providers do not edit contacts');
  await expectNoAxeViolations(page, 'team page (provider)');
});

test('payments staff keep their team up to date; bad input is explained and kept', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'payments@council.example', demoPassword);
  await gotoOK(page, '/contacts/teams/brokerage-payments');
  await expectNoAxeViolations(page, 'team page (staff, editable)');

  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /Edit team details/ }).click()]);
  await expectNoAxeViolations(page, 'edit team details');
  await page.fill('#email', 'not an email');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save team details' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /shared mailbox in the correct format/);
  assert.equal(await page.inputValue('#email'), 'not an email', 'input kept');
  await expectNoAxeViolations(page, 'edit team details with errors');
  await page.fill('#email', 'provider.payments@council.example');
  await page.fill('#hours', 'Monday to Friday, 9am to 5pm');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save team details' }).click()]);
  assert.match(page.url(), /\/contacts\/teams\/brokerage-payments$/);
  assert.match(await page.locator('#team-details').innerText(), /Monday to Friday, 9am to 5pm/);

  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Add a named contact' }).click()]);
  await expectNoAxeViolations(page, 'add a named contact');
  await page.fill('#name', 'Robin Test');
  await page.fill('#role', 'Payments apprentice');
  await page.fill('#email', 'robin.test@council.example');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save contact' }).click()]);
  assert.match(await page.locator('#people').innerText(), /Robin Test/);

  // Mark a contact as checked: "check due" goes and last checked becomes today.
  const row = page.locator('#people tr', { hasText: 'Callum Reid' });
  assert.match(await row.innerText(), /Check due/, 'the demo has a contact not checked for months');
  await Promise.all([page.waitForNavigation(), row.getByRole('button', { name: /Mark as checked/ }).click()]);
  assert.doesNotMatch(await page.locator('#people tr', { hasText: 'Callum Reid' }).innerText(), /Check due/);
  const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
  assert.match(await page.locator('#people tr', { hasText: 'Callum Reid' }).innerText(), new RegExp(today));

  // Another team's page offers no editing to this person.
  await gotoOK(page, '/contacts/teams/commissioning');
  assert.equal(await page.getByRole('link', { name: /Edit team details/ }).count(), 0);
  const resp = await page.goto('/contacts/teams/commissioning/edit');
  assert.equal(resp.status(), 403);
});
