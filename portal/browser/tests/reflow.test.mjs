// Reflow (WCAG 2.2 SC 1.4.10) and axe at two widths, on every page type.
//
// For each role the test signs in and walks the portal from /home, following
// every same-origin link to an HTML page (breadth first), one page per page
// type (a path with its ids replaced by ":id"). Each page is loaded at 320 px
// CSS width, where nothing may need horizontal scrolling
// (document.documentElement.scrollWidth <= the viewport width) except inside a
// data table's own labelled, keyboard-focusable scroll region, and axe (WCAG
// A/AA and best-practice) is run at 320 px and at 1280 px.
//
// Run alone: PORTAL_BROWSER_TESTS=1 PORTAL_BROWSER_TEST_FILES=reflow.test.mjs go test -run TestBrowser ./portal/browser
// (PORTAL_REFLOW_ROLES=staff,admin for some roles; PORTAL_REFLOW_MAX_PAGES=N page types per role, default 80).
//
// With PORTAL_SCREENSHOTS=dir set, each role's home page is saved as
// dir/home-<role>-<width>.png at both widths (full page).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { demoPassword, expectNoAxeViolations, gotoOK, newPage, signIn } from '../lib/harness.mjs';

const narrow = { width: 320, height: 640 };
const wide = { width: 1280, height: 900 };
const shots = process.env.PORTAL_SCREENSHOTS ? resolve(process.env.PORTAL_SCREENSHOTS) : '';
// Page types per role at most, so one role cannot take the whole budget.
const maxPages = Number(process.env.PORTAL_REFLOW_MAX_PAGES || 80);
// PORTAL_REFLOW_ROLES=staff,admin checks only those roles (and no signed-out pages).
const onlyRoles = (process.env.PORTAL_REFLOW_ROLES || '').split(',').filter(Boolean);

const roles = [
  ['provider', 'manager@sunrise-care.example'],
  ['staff', 'payments@council.example'],
  ['commissioner', 'commissioner@council.example'],
  ['admin', 'admin@council.example'],
];

// pageType is a path with its id-like segments replaced, so /invoices/abc123
// and /invoices/def456 are one page type.
export function pageType(path) {
  // One page per kind of contacts topic and team (their slugs are words).
  const slug = path.match(/^\/contacts\/(topics|teams)\/[^/]+$/);
  if (slug) return `/contacts/${slug[1]}/:slug`;
  return path
    .split('/')
    .map((seg) => (/^[0-9a-f]{12,}$/i.test(seg) || /\d/.test(seg) && seg.length > 6 || /^\d+$/.test(seg) ? ':id' : seg))
    .join('/');
}

// Links not to follow: leaving the portal, signing out, files and feeds.
function followable(href) {
  let u;
  try { u = new URL(href); } catch { return null; }
  if (u.origin !== new URL(process.env.PORTAL_URL).origin) return null;
  if (/^\/(logout|static|api|healthz|readyz|metrics)\b/.test(u.pathname)) return null;
  if (/\.(csv|ics|json|xml|pdf|txt|zip|png|svg)$/i.test(u.pathname)) return null;
  if (/\/(export|download|feed|calendar\.ics)(\/|$)/.test(u.pathname)) return null;
  u.hash = '';
  return u;
}

// Problems at the current width: the page's own width beyond the viewport,
// and any scroll region that is not labelled and focusable.
async function reflowProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const vw = window.innerWidth;
    const sw = document.documentElement.scrollWidth;
    if (sw > vw) {
      // Name the widest elements that stick out, outside any scroll region.
      const wide = [];
      for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.app-table-scroll')) continue;
        const r = el.getBoundingClientRect();
        if (r.right > vw + 1 && r.width > 0) {
          wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} (right ${Math.round(r.right)})`);
        }
      }
      out.push(`scrollWidth ${sw} > viewport ${vw}: ${wide.slice(-5).join(', ')}`);
    }
    for (const el of document.querySelectorAll('.app-table-scroll')) {
      if (el.getAttribute('role') !== 'region' || !el.getAttribute('aria-label') || el.getAttribute('tabindex') !== '0') {
        out.push('a table scroll region is not role=region with aria-label and tabindex=0');
      }
    }
    for (const t of document.querySelectorAll('main table')) {
      const r = t.getBoundingClientRect();
      if (r.right > vw + 1 && !t.closest('.app-table-scroll')) out.push(`a table outside a scroll region is ${Math.round(r.width)} px wide`);
    }
    return out;
  });
}

async function checkPage(page, path, label) {
  const failures = [];
  await page.setViewportSize(narrow);
  const resp = await page.goto(path);
  if (!resp || !(resp.headers()['content-type'] || '').startsWith('text/html')) return { failures, links: [] };
  for (const p of await reflowProblems(page)) failures.push(`${label} ${path} at 320 px: ${p}`);
  try {
    await expectNoAxeViolations(page, `${label} at 320 px`, { bestPractice: true });
  } catch (e) {
    failures.push(e.message);
  }
  await page.setViewportSize(wide);
  try {
    await expectNoAxeViolations(page, `${label} at 1280 px`, { bestPractice: true });
  } catch (e) {
    failures.push(e.message);
  }
  const links = await page.locator('a[href]').evaluateAll((as) => as.filter((a) => !a.hasAttribute('download')).map((a) => a.href));
  return { failures, links };
}

async function walk(page, start, label) {
  const seen = new Set();
  const queue = [...start];
  const failures = [];
  let visited = 0;
  while (queue.length > 0 && visited < maxPages) {
    const u = queue.shift();
    const type = pageType(u.pathname);
    if (seen.has(type)) continue;
    seen.add(type);
    visited++;
    const { failures: f, links } = await checkPage(page, u.pathname + u.search, label);
    failures.push(...f);
    for (const href of links) {
      const next = followable(href);
      if (next && !seen.has(pageType(next.pathname))) queue.push(next);
    }
  }
  return { failures, visited: [...seen] };
}

test('signed-out pages reflow at 320 px and pass axe at 320 and 1280', { skip: onlyRoles.length > 0 }, async (t) => {
  const page = await newPage(t);
  const base = process.env.PORTAL_URL;
  const start = ['/', '/login', '/accessibility', '/privacy'].map((p) => new URL(p, base));
  const { failures, visited } = await walk(page, start, 'signed out');
  t.diagnostic(`signed out: ${visited.length} page types: ${visited.join(' ')}`);
  assert.deepEqual(failures, []);
});

for (const [role, email] of roles.filter(([r]) => onlyRoles.length === 0 || onlyRoles.includes(r))) {
  test(`${role}: every page type reflows at 320 px and passes axe at 320 and 1280`, async (t) => {
    const page = await newPage(t);
    await signIn(page, email, demoPassword);
    if (shots) {
      mkdirSync(shots, { recursive: true });
      for (const vp of [narrow, wide]) {
        await page.setViewportSize(vp);
        await gotoOK(page, '/home');
        await page.screenshot({ path: `${shots}/home-${role}-${vp.width}.png`, fullPage: true });
      }
    }
    const { failures, visited } = await walk(page, [new URL('/home', process.env.PORTAL_URL)], role);
    t.diagnostic(`${role}: ${visited.length} page types: ${visited.join(' ')}`);
    assert.ok(visited.length >= 5, `${role}: only ${visited.length} page types reached from /home`);
    assert.deepEqual(failures, []);
  });
}
