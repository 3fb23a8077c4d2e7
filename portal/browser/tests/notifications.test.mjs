// Notifications: read state is per user. Two members of one organisation
// see the same notifications; one marking all read leaves the other's
// unread. Axe on the page in both states.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

test('each member of an organisation marks notifications read for themselves', async (t) => {
  const manager = await newPage(t);
  await signIn(manager, 'manager@sunrise-care.example', demoPassword);
  await gotoOK(manager, '/notifications');
  await expectNoAxeViolations(manager, 'notifications, unread');
  const listed = await manager.locator('#notifications li').count();
  assert.ok(listed > 0, 'the demo organisation has notifications');
  assert.match(await manager.locator('#notifications-unread').innerText(), /^\d+ unread\.$/);

  const carer = await newPage(t);
  await signIn(carer, 'carer@sunrise-care.example', demoPassword);
  await gotoOK(carer, '/notifications');
  const carerBefore = await carer.locator('#notifications-unread').innerText();
  assert.match(carerBefore, /^\d+ unread\.$/, 'the other member has unread notifications too');
  assert.equal(await carer.locator('#notifications li').count(), listed, 'both members see the same organisation-wide list');

  // The manager marks everything read (with the form, no JS needed).
  await Promise.all([manager.waitForNavigation(), manager.getByRole('button', { name: 'Mark all as read' }).click()]);
  assert.equal(await manager.locator('#notifications-unread').innerText(), 'All read.');
  assert.equal(await manager.locator('.app-notification--unread').count(), 0);
  await expectNoAxeViolations(manager, 'notifications, all read');

  // The carer's unread notifications are untouched.
  await gotoOK(carer, '/notifications');
  assert.equal(await carer.locator('#notifications-unread').innerText(), carerBefore, 'the carer still has the same unread count');
  assert.ok(await carer.locator('.app-notification--unread').count() > 0);
});
