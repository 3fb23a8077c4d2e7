// Email: a provider's invoice is queried and the provider's mailbox (a
// real SMTP server in the Go test process, read through MAILBOX_URL)
// receives the email with the reason and a working link; the provider's
// preferences change what arrives; password reset end to end; the admin
// outbox. Axe on every new page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseURL, demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const mailboxURL = process.env.MAILBOX_URL || '';
const provider = 'manager@meadowbank-nursing.example'; // used by no other test file
const resetUser = 'manager@elmtree-extracare.example'; // its password changes here
const staff = 'payments@council.example';

/** Waits until the mailbox holds a message to addr matching pred; returns it. */
async function waitForEmail(addr, pred, label) {
  assert.ok(mailboxURL, 'MAILBOX_URL is not set: run these tests through go test ./portal/browser');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const all = await (await fetch(mailboxURL)).json();
    const m = all.filter((x) => x.to.includes(addr)).find(pred);
    if (m) return m;
    if (Date.now() > deadline) assert.fail(`no email to ${addr}: ${label} (mailbox has ${all.length})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function emailsTo(addr) {
  const all = await (await fetch(mailboxURL)).json();
  return all.filter((x) => x.to.includes(addr));
}

/** The first link into the portal in an email's text part, as a path. */
function portalPath(m, prefix) {
  const esc = baseURL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const match of m.text.matchAll(new RegExp(`${esc}(/[^\\s]+)`, 'g'))) {
    if (match[1].startsWith(prefix)) return match[1];
  }
  assert.fail(`no ${prefix} link in:\n${m.text}`);
}

async function clickButton(page, name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
}

const londonDay = (offset = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() + offset * 86400000));

async function setInvoiceChoice(page, label) {
  await gotoOK(page, '/account/emails');
  await page.getByRole('group', { name: 'Invoice status changes' }).getByLabel(label).check();
  await clickButton(page, 'Save');
  assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /Your email choices have been saved/);
}

test('a queried invoice is emailed to the provider, by their preferences, with the reason and a working link', async (t) => {
  const prov = await newPage(t);
  await signIn(prov, provider, demoPassword);
  // Submit an invoice to query.
  const number = `ML-${Date.now()}`;
  await gotoOK(prov, '/invoices/new');
  const contract = await prov.locator('#contract_ref option').nth(1).getAttribute('value');
  await prov.selectOption('#contract_ref', contract);
  await prov.fill('#invoice_number', number);
  await prov.fill('#invoice_date', londonDay(-2));
  await prov.fill('#period_start', londonDay(-30));
  await prov.fill('#period_end', londonDay(-3));
  await prov.fill('#net', '500');
  await prov.fill('#vat', '0');
  await prov.fill('#gross', '500');
  await Promise.all([prov.waitForNavigation(), prov.locator('main form button[type=submit]').last().click()]);
  const invoicePath = new URL(prov.url()).pathname;
  const id = invoicePath.split('/').pop();

  // The manager's finance mailbox page.
  await gotoOK(prov, '/org/finance-mailbox');
  await expectNoAxeViolations(prov, 'finance mailbox');
  await prov.fill('#email', 'not an address');
  await clickButton(prov, 'Save');
  assert.match(await prov.locator('.govuk-error-summary').innerText(), /Enter an email address in the correct format/);
  await expectNoAxeViolations(prov, 'finance mailbox with an error');
  await prov.fill('#email', 'accounts@meadowbank-nursing.example');
  await clickButton(prov, 'Save');
  assert.match(await prov.locator('.govuk-notification-banner--success').innerText(), /Payment emails will also go to/);

  // Portal only first: the query shows in the portal, and no email comes.
  await gotoOK(prov, '/account/emails');
  await expectNoAxeViolations(prov, 'email preferences');
  await setInvoiceChoice(prov, 'Only show it in the portal');
  await expectNoAxeViolations(prov, 'email preferences saved');

  const st = await newPage(t);
  await signIn(st, staff, demoPassword);
  await gotoOK(st, `/staff/invoices/${id}`);
  await st.fill('#query_note', 'First question: which care plan is this for?');
  await clickButton(st, 'Query invoice');
  await gotoOK(prov, invoicePath);
  await prov.fill('#answer_note', 'Care plan CP-12.');
  await clickButton(prov, 'Send answer');

  // Email at once: the second query is emailed.
  await setInvoiceChoice(prov, 'Email me straight away');
  await gotoOK(st, `/staff/invoices/${id}`);
  await st.fill('#query_note', 'Please send the timesheets for week 2.');
  await clickButton(st, 'Query invoice');
  const m = await waitForEmail(provider, (x) => x.text.includes('timesheets for week 2'), 'the second query');
  assert.equal(m.subject, `Invoice ${number} has been queried`);
  assert.match(m.html, /<a href="[^"]+\/invoices\/[0-9a-f]+"/);
  const link = portalPath(m, '/invoices/');
  assert.equal(link, invoicePath);
  const sent = await emailsTo(provider);
  assert.equal(sent.filter((x) => x.text.includes('First question')).length, 0, 'the portal-only query was emailed');
  // The finance mailbox gets both queries.
  await waitForEmail('accounts@meadowbank-nursing.example', (x) => x.text.includes('First question'), 'the first query to the finance mailbox');

  // The link works for the signed-in provider and shows the reason.
  await gotoOK(prov, link);
  assert.match(await prov.locator('main').innerText(), /Please send the timesheets for week 2\./);
  // The in-portal notification sits beside the email.
  await gotoOK(prov, '/notifications');
  assert.match(await prov.locator('main').innerText(), new RegExp(`Invoice ${number} has been queried`));

  // The unsubscribe link in the email asks first, then switches it off.
  const anon = await newPage(t);
  await gotoOK(anon, portalPath(m, '/unsubscribe?'));
  await expectNoAxeViolations(anon, 'unsubscribe page');
  await clickButton(anon, 'Stop these emails');
  assert.match(await anon.locator('h1').innerText(), /You will not get these emails/);
  await expectNoAxeViolations(anon, 'unsubscribed');
});

test('password reset end to end', async (t) => {
  const page = await newPage(t);
  await gotoOK(page, '/login');
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Reset your password' }).click()]);
  assert.equal(new URL(page.url()).pathname, '/password-reset');
  await expectNoAxeViolations(page, 'password reset form');
  await clickButton(page, 'Send the link');
  assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter your email address/);
  await expectNoAxeViolations(page, 'password reset form with an error');
  await page.fill('#email', resetUser);
  await clickButton(page, 'Send the link');
  assert.match(await page.locator('h1').innerText(), /Check your email/);
  await expectNoAxeViolations(page, 'password reset sent');

  const m = await waitForEmail(resetUser, (x) => x.subject.startsWith('Reset your password'), 'the reset link');
  const link = portalPath(m, '/password-reset/');
  await gotoOK(page, link);
  await expectNoAxeViolations(page, 'choose a new password');
  const next = 'saffron kettle orchard 91';
  await page.fill('#password', next);
  await page.fill('#confirm_password', next + '!');
  await clickButton(page, 'Set new password');
  assert.match(await page.locator('#confirm_password-error').innerText(), /The passwords do not match/);
  await page.fill('#password', next);
  await page.fill('#confirm_password', next);
  await clickButton(page, 'Set new password');
  assert.match(await page.locator('h1').innerText(), /Your password has been changed/);
  await expectNoAxeViolations(page, 'password changed');
  // The link works once; the new password signs in, the old one does not.
  await gotoOK(page, link, 404);
  const fresh = await newPage(t);
  await signIn(fresh, resetUser, demoPassword);
  assert.equal(new URL(fresh.url()).pathname, '/login');
  await signIn(fresh, resetUser, next);
  assert.equal(new URL(fresh.url()).pathname, '/home');
  await waitForEmail(resetUser, (x) => x.subject.includes('has been changed'), 'the password changed notice');
});

test('the admin outbox lists messages and shows one', async (t) => {
  const page = await newPage(t);
  await signIn(page, 'admin@council.example', demoPassword);
  await gotoOK(page, '/admin/outbox');
  assert.match(await page.locator('main').innerText(), /Email goes out through SMTP/);
  assert.match(await page.locator('#outbox-tabs').innerText(), /Sent \(\d+\)/);
  await expectNoAxeViolations(page, 'outbox');
  await gotoOK(page, '/admin/outbox?status=sent');
  await expectNoAxeViolations(page, 'outbox, sent');
  await Promise.all([page.waitForNavigation(), page.locator('#outbox tbody a').first().click()]);
  assert.match(await page.locator('#message-status').innerText(), /Sent/);
  await expectNoAxeViolations(page, 'outbox message');
});
