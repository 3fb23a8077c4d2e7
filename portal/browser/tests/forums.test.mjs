// Forums and events: a commissioner announces an event (first with a bad
// number of places); a provider books (first with a bad attendee count),
// downloads the calendar file and cancels; another provider joins the
// waiting list and is promoted. Past events with notes, attendance and
// figures. Axe on every page type.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

function londonDate(daysAhead) {
  const d = new Date(Date.now() + daysAhead * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

test('announce, book, calendar file, waiting list and cancel', async (t) => {
  const title = `Home care recruitment workshop ${Date.now() % 100000}`;
  const com = await newPage(t);
  await signIn(com, 'commissioner@council.example', demoPassword);
  await gotoOK(com, '/commission/events');
  await expectNoAxeViolations(com, 'commissioner events list');
  await click(com, com.getByRole('button', { name: 'Announce an event' }));
  await expectNoAxeViolations(com, 'announce an event');
  await com.fill('#title', title);
  await com.fill('#description', 'Ideas for the shared recruitment campaign, with providers.');
  await com.fill('#agenda', '1. Where care workers come from\n2. The campaign');
  await com.fill('#date', londonDate(30));
  await com.check('#format-1'); // online
  await com.fill('#link', 'https://meet.council.example/j/recruitment');
  await com.fill('#capacity', 'twelve');
  await com.check('#serviceTypes'); // Home care
  await click(com, com.getByRole('button', { name: 'Announce event' }));
  assert.match(await com.locator('.govuk-error-summary').innerText(), /Number of places must be a whole number/);
  assert.equal(await com.inputValue('#title'), title, 'title kept');
  assert.ok(await com.isChecked('#serviceTypes'), 'service type kept');
  await expectNoAxeViolations(com, 'announce an event with errors');
  await com.fill('#capacity', '2');
  await click(com, com.getByRole('button', { name: 'Announce event' }));
  assert.match(com.url(), /\/commission\/events\/ev_[0-9a-f]+$/);
  const id = com.url().split('/').pop();
  await expectNoAxeViolations(com, 'commissioner event page');

  // A home care provider books: a bad count first.
  const prov = await newPage(t);
  await signIn(prov, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(prov, '/events');
  await expectNoAxeViolations(prov, 'provider events list');
  await click(prov, prov.getByRole('link', { name: title }));
  await expectNoAxeViolations(prov, 'event page');
  assert.doesNotMatch(await prov.locator('main').innerText(), /meet\.council\.example/, 'no link before booking');
  await prov.fill('#places', '30');
  await prov.fill('#accessNeeds', 'Captions, please');
  await click(prov, prov.getByRole('button', { name: 'Book places' }));
  assert.match(await prov.locator('.govuk-error-summary').innerText(), /Number of attendees must be/);
  assert.equal(await prov.inputValue('#places'), '30', 'count kept');
  assert.equal(await prov.inputValue('#accessNeeds'), 'Captions, please', 'access needs kept');
  await expectNoAxeViolations(prov, 'event page with errors');
  await prov.fill('#places', '2');
  await click(prov, prov.getByRole('button', { name: 'Book places' }));
  assert.match(await prov.locator('.govuk-panel').innerText(), /Booked: 2 places/);
  assert.equal(await prov.getByRole('link', { name: /join the event/ }).count(), 1, 'joining link after booking');

  // The calendar file: RFC 5545, with the link for a booked organisation.
  const ics = await prov.request.get(`/events/${id}.ics`);
  assert.equal(ics.status(), 200);
  assert.match(ics.headers()['content-type'], /^text\/calendar/);
  const body = await ics.text();
  assert.match(body, /^BEGIN:VCALENDAR\r\n/);
  assert.match(body, /\r\nDTSTART:\d{8}T\d{6}Z\r\n/);
  for (const line of body.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line too long: ${line}`);
  assert.match(body.replace(/\r\n /g, ''), /meet\.council\.example\/j\/recruitment/);

  // Another home care provider finds it full and joins the waiting list.
  const other = await newPage(t);
  await signIn(other, 'manager@beacon-reablement.example', demoPassword);
  await gotoOK(other, `/events/${id}`);
  await other.fill('#places', '1');
  await click(other, other.getByRole('button', { name: 'Join the waiting list' }));
  assert.match(await other.locator('main').innerText(), /number 1 on the waiting list/);
  await expectNoAxeViolations(other, 'event page on the waiting list');
  const otherICS = await (await other.request.get(`/events/${id}.ics`)).text();
  assert.doesNotMatch(otherICS.replace(/\r\n /g, ''), /meet\.council\.example/, 'no link for the waiting list');

  // The first provider cancels: the waiting organisation is booked.
  await click(prov, prov.getByRole('button', { name: 'Cancel booking' }));
  await click(prov, prov.getByRole('button', { name: 'Yes, cancel the booking' }));
  assert.equal(await prov.getByRole('button', { name: 'Book places' }).count(), 1);
  await gotoOK(other, `/events/${id}`);
  assert.match(await other.locator('.govuk-panel').innerText(), /Booked: 1 place/);
  await gotoOK(other, '/notifications');
  assert.match(await other.locator('main').innerText(), /A place became free/);

  // The commissioner sees the booking and can change the event.
  await gotoOK(com, `/commission/events/${id}`);
  assert.match(await com.locator('main').innerText(), /Beacon Reablement Services Ltd/);
  await click(com, com.getByRole('link', { name: /^Change the event/ }));
  await expectNoAxeViolations(com, 'change an event');
});

test('past events: attendance, notes, comments and figures', async (t) => {
  const com = await newPage(t);
  await signIn(com, 'commissioner@council.example', demoPassword);
  await gotoOK(com, '/commission/events');
  const past = com.locator('table', { hasText: 'Past' }).getByRole('link', { name: 'Home care provider forum' });
  await click(com, past.first());
  await expectNoAxeViolations(com, 'past event with attendance form');
  const att = com.locator('input[name^="attended-"]').first();
  const before = await att.inputValue();
  await att.fill('99');
  await click(com, com.getByRole('button', { name: 'Save attendance' }));
  assert.match(await com.locator('.govuk-error-summary').innerText(), /must be \d+ or fewer/);
  await expectNoAxeViolations(com, 'attendance with errors');
  await att.fill(before);
  await click(com, com.getByRole('button', { name: 'Save attendance' }));
  assert.doesNotMatch(com.url(), /attendance$/);
  await gotoOK(com, '/commission/engagement');
  await expectNoAxeViolations(com, 'engagement figures');
  assert.match(await com.locator('main').innerText(), /Age of the market position statement/);

  const prov = await newPage(t);
  await signIn(prov, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(prov, '/events');
  await click(prov, prov.locator('main').getByRole('link', { name: 'Home care provider forum' }).last());
  await expectNoAxeViolations(prov, 'past event with notes');
  assert.match(await prov.locator('main').innerText(), /Notes/);
  const comment = `Thanks for the notes (${Date.now() % 100000})`;
  await prov.fill('#message', comment);
  await click(prov, prov.getByRole('button', { name: 'Add comment' }));
  assert.match(await prov.locator('#comments').locator('..').innerText(), new RegExp(comment.replace(/[()]/g, '\\$&')));
});
