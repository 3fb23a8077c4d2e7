// Accounts: sign-in for each role, a failed sign-in, sign-out, invitations,
// change password, API tokens and the admin pages, with an axe check on
// every page visited.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const roles = [
  { email: 'admin@council.example', heading: /Welcome, /, sees: 'Provider organisations' },
  { email: 'commissioner@council.example', heading: /Welcome, /, sees: 'Commissioning' },
  { email: 'payments@council.example', heading: /Welcome, /, sees: 'Brokerage Payments' },
  { email: 'brokerage@council.example', heading: /Welcome, /, sees: 'Adults Brokerage' },
  { email: 'manager@sunrise-care.example', heading: /Welcome, /, sees: 'Sunrise Home Care Ltd' },
  { email: 'carer@sunrise-care.example', heading: /Welcome, /, sees: 'Sunrise Home Care Ltd' },
  { email: 'manager@oakfield-homes.example', heading: /Welcome, /, sees: 'Oakfield Residential Homes' },
];

test('sign-in page passes axe', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/login');
  assert.match(await page.locator('h1').innerText(), /Sign in/);
  await expectNoAxeViolations(page, 'sign-in page');
});

for (const r of roles) {
  test(`${r.email} signs in and lands on their home page`, async (t) => {
    const page = await newPage(t);
    const resp = await signIn(page, r.email, demoPassword);
    assert.equal(resp.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/home');
    assert.match(await page.locator('h1').innerText(), r.heading);
    assert.ok((await page.locator('main').innerText()).includes(r.sees), `home page lacks "${r.sees}"`);
    await expectNoAxeViolations(page, `home page of ${r.email}`);
  });
}

test('a failed sign-in shows one message, keeps the email and not the password', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'manager@sunrise-care.example', 'not the right password');
  assert.equal(new URL(page.url()).pathname, '/login');
  const summary = await page.locator('.govuk-error-summary').innerText();
  assert.match(summary, /Enter a correct email address and password/);
  assert.equal(await page.inputValue('#email'), 'manager@sunrise-care.example');
  assert.equal(await page.inputValue('#password'), '');
  await expectNoAxeViolations(page, 'failed sign-in');

  const other = await newPage(t);
  await signIn(other, 'nobody@nowhere.example', 'not the right password');
  assert.equal(await other.locator('.govuk-error-summary').innerText(), summary, 'unknown account gives a different message');
});

test('sign out ends the session', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'carer@sunrise-care.example', demoPassword);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign out' }).click()]);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.match(await page.locator('main').innerText(), /You have signed out/);
  await expectNoAxeViolations(page, 'signed out');
  await page.goto('/home');
  assert.equal(new URL(page.url()).pathname, '/login', 'home still reachable after signing out');
});

test('a manager invites a colleague, who sets a password and signs in', async (t) => {
  const manager = await newPage(t);
  await signIn(manager, 'manager@oakfield-homes.example', demoPassword);
  await gotoOK(manager, '/org/users');
  await expectNoAxeViolations(manager, 'colleagues');
  const email = `new.colleague.${Date.now()}@oakfield-homes.example`;
  // Bad input first: errors shown, input kept.
  await manager.fill('#email', email);
  await Promise.all([manager.waitForNavigation(), manager.getByRole('button', { name: 'Create invitation' }).click()]);
  assert.match(await manager.locator('.govuk-error-summary').innerText(), /full name/);
  assert.equal(await manager.inputValue('#email'), email);
  await expectNoAxeViolations(manager, 'colleagues with errors');
  await manager.fill('#name', 'Rosa Whitfield');
  await Promise.all([manager.waitForNavigation(), manager.getByRole('button', { name: 'Create invitation' }).click()]);
  const link = (await manager.locator('#invite-link').innerText()).trim();
  assert.match(link, /\/invite\/[A-Za-z0-9_-]{20,}$/);
  await expectNoAxeViolations(manager, 'invitation created');

  const colleague = await newPage(t);
  await gotoOK(colleague, new URL(link).pathname);
  assert.ok((await colleague.locator('main').innerText()).includes(email));
  await expectNoAxeViolations(colleague, 'set your password');
  await colleague.fill('#password', 'short');
  await colleague.fill('#confirm_password', 'short');
  await Promise.all([colleague.waitForNavigation(), colleague.getByRole('button', { name: /Set password/ }).click()]);
  assert.match(await colleague.locator('.govuk-error-summary').innerText(), /12 characters or more/);
  await expectNoAxeViolations(colleague, 'set your password with errors');
  const pw = 'Rosa sets a long passphrase';
  await colleague.fill('#password', pw);
  await colleague.fill('#confirm_password', pw);
  await Promise.all([colleague.waitForNavigation(), colleague.getByRole('button', { name: /Set password/ }).click()]);
  assert.equal(new URL(colleague.url()).pathname, '/home');
  assert.match(await colleague.locator('h1').innerText(), /Rosa Whitfield/);
  assert.match(await colleague.locator('.govuk-notification-banner').innerText(), /password has been set/);
  await expectNoAxeViolations(colleague, 'home after invitation');

  // The link works once.
  const again = await newPage(t);
  await gotoOK(again, new URL(link).pathname, 404);
  // And the new password signs in.
  const fresh = await newPage(t);
  await signIn(fresh, email, pw);
  assert.equal(new URL(fresh.url()).pathname, '/home');
});

test('a manager creates and revokes an API token', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(page, '/org/tokens');
  await expectNoAxeViolations(page, 'API tokens');
  await page.fill('#name', `Finance system ${Date.now()}`);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Create token' }).click()]);
  const token = (await page.locator('#api-token').innerText()).trim();
  assert.match(token, /^cpp_/);
  await expectNoAxeViolations(page, 'API token created');
  const ok = await page.request.get('/api/v1/no-such-endpoint', { headers: { Authorization: `Bearer ${token}` } });
  assert.notEqual(ok.status(), 401, 'a new token is refused');
  await gotoOK(page, '/org/tokens');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /^Revoke/ }).first().click()]);
  // Revoking asks first; the confirmation page names what happens.
  await expectNoAxeViolations(page, 'revoke a token: are you sure');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Yes, revoke the token' }).click()]);
  assert.match(await page.locator('.govuk-notification-banner').innerText(), /revoked/);
  await expectNoAxeViolations(page, 'token revoked');
});

test('change password page', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'commissioner@council.example', demoPassword);
  await gotoOK(page, '/account/password');
  await expectNoAxeViolations(page, 'change password');
  await page.fill('#current_password', 'wrong');
  await page.fill('#new_password', 'x');
  await page.fill('#confirm_password', 'y');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Change password' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /12 characters or more/);
  await expectNoAxeViolations(page, 'change password with errors');
});

test('a provider cannot reach staff pages', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'carer@sunrise-care.example', demoPassword);
  for (const path of ['/admin/orgs', '/admin/users', '/admin/audit', '/org/tokens']) {
    await gotoOK(page, path, 403);
  }
  await expectNoAxeViolations(page, '403 page');
});

test('admin pages: organisations, users, audit', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'admin@council.example', demoPassword);
  await gotoOK(page, '/admin/orgs');
  assert.ok((await page.locator('main').innerText()).includes('SUP1008'));
  await expectNoAxeViolations(page, 'organisations');

  await page.getByRole('link', { name: 'Sunrise Home Care Ltd' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /Sunrise Home Care Ltd/);
  await expectNoAxeViolations(page, 'organisation');
  await page.getByRole('button', { name: 'Change details' }).click();
  await page.waitForLoadState();
  await expectNoAxeViolations(page, 'change organisation');
  await page.fill('#terms_days', 'forty');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save' }).click()]);
  assert.match(await page.locator('.govuk-error-summary').innerText(), /whole number of days/);
  assert.equal(await page.inputValue('#terms_days'), 'forty');
  await expectNoAxeViolations(page, 'change organisation with errors');

  await gotoOK(page, '/admin/orgs/new');
  await expectNoAxeViolations(page, 'add organisation');

  await gotoOK(page, '/admin/users');
  await expectNoAxeViolations(page, 'users');
  await page.getByRole('link', { name: 'Daniel Osei' }).click();
  await page.waitForLoadState();
  await expectNoAxeViolations(page, 'user');
  await gotoOK(page, '/admin/users/new');
  await expectNoAxeViolations(page, 'invite user');
  await page.fill('#name', 'Kit Staff');
  await page.fill('#email', `kit.${Date.now()}@council.example`);
  await page.check('#role-1');
  await page.check('#teams-2');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Create invitation' }).click()]);
  assert.match(await page.locator('#invite-link').innerText(), /\/invite\//);

  await gotoOK(page, '/admin/audit?person=admin%40council.example');
  assert.match(await page.locator('main').innerText(), /login\.success/);
  await expectNoAxeViolations(page, 'audit log');
});
