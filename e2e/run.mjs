// Browser tests of jiceng in Debian's headless Chromium (playwright-core; never a browser
// download). Starts the real binary on a fresh data directory with the tiny synthetic county,
// then drives the main flows at phone (360 px) and desktop (1280 px) width. Screenshots are
// saved under e2e/artifacts/ as test artifacts.
//
// Usage: node run.mjs [path/to/jiceng]   (default: ../target/debug/jiceng)

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.argv[2] || join(here, '..', 'target', 'debug', 'jiceng'));
const artifacts = join(here, 'artifacts');
const PASSWORD = 'E2e-Demo-Pass1';
mkdirSync(artifacts, { recursive: true });

const dataDir = mkdtempSync(join(tmpdir(), 'jiceng-e2e-'));
execFileSync(bin, ['demo', '--scale', 'tiny', '--data-dir', dataDir, '--password', PASSWORD], { stdio: 'inherit' });

// Start the server on a free port and wait until it says where it listens.
const server = spawn(bin, ['serve', '--data-dir', dataDir, '--bind', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((ok, fail) => {
  let out = '';
  const timer = setTimeout(() => fail(new Error('server did not start: ' + out)), 20000);
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
    if (m) { clearTimeout(timer); ok(m[0]); }
  });
  server.on('exit', (c) => fail(new Error('server exited ' + c + ': ' + out)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

let failures = 0;
async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${e.stack || e}`);
  }
}

async function newPage(width) {
  const ctx = await browser.newContext({ viewport: { width, height: width < 500 ? 780 : 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  page.cspViolations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) page.cspViolations.push(m.text()); });
  page.on('pageerror', (e) => page.cspViolations.push('page error: ' + e.message));
  return page;
}

async function login(page, username) {
  await page.goto(base + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

for (const width of [360, 1280]) {
  const tag = width < 500 ? 'phone' : 'desktop';

  await test(`${tag}: login, browse the tree, search, create an organization`, async () => {
    const page = await newPage(width);
    // A wrong password is refused with the same message as an unknown user.
    await page.goto(base + '/login');
    await page.fill('input[name=username]', 'county_admin');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.errors');
    assert.match(await page.textContent('.errors'), /用户名或密码错误/);

    await login(page, 'county_admin');
    assert.equal(new URL(page.url()).pathname, '/');
    const orgs = Number(await page.textContent('#total-orgs'));
    assert.ok(orgs > 20, `county has organizations (${orgs})`);
    await page.screenshot({ path: join(artifacts, `home-${tag}.png`), fullPage: true });

    // The navigation: on a phone it is a collapsed menu that opens.
    if (width < 500) {
      assert.equal(await page.$eval('.navmenu', (d) => d.open), false);
      await page.click('.navmenu summary');
    }
    await Promise.all([page.waitForNavigation(), page.click('.sidenav a[href="/orgs"]')]);

    // The tree: the root is open with its first level; opening a township loads its children.
    const firstKid = page.locator('#org-tree > li > details > ul > li > details').first();
    const kidName = await firstKid.locator(':scope > summary a').first().textContent();
    await firstKid.locator(':scope > summary').click();
    await firstKid.locator(':scope > .kids > ul > li').first().waitFor();
    const grandkids = await firstKid.locator(':scope > .kids > ul > li').count();
    assert.ok(grandkids > 0, `${kidName} shows its children`);
    // Collapse again.
    await firstKid.locator(':scope > summary').click();
    assert.equal(await firstKid.evaluate((d) => d.open), false);
    await page.screenshot({ path: join(artifacts, `tree-${tag}.png`), fullPage: true });

    // Search by pinyin initials as you type (htmx swaps the results in).
    await page.fill('#org-q', 'lcz');
    await page.waitForSelector('#tree-area table');
    const found = await page.locator('#tree-area tbody tr').count();
    assert.ok(found > 0, 'pinyin initials find organizations');
    assert.match(await page.textContent('#tree-area tbody'), /龙场镇/);

    // Open a township and create a branch below it.
    await Promise.all([page.waitForNavigation(), page.locator('#tree-area tbody a', { hasText: /党委$/ }).first().click()]);
    const townUrl = page.url();
    await Promise.all([page.waitForNavigation(), page.click('a[href^="/orgs/new?parent="]')]);
    const code = `E2E${width}`;
    // First submit with a missing name: the form comes back with the input kept.
    await page.fill('input[name=code]', code);
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    assert.match(await page.textContent('.field-error'), /组织名称/);
    assert.equal(await page.inputValue('input[name=code]'), code);
    await page.fill('input[name=name]', `浏览器测试第${width}党支部`);
    await page.selectOption('select[name=kind]', 'branch');
    await page.fill('input[name=established_on]', '2020-07-01');
    await page.fill('input[name=term_start]', '2023-01-01');
    await page.fill('input[name=term_end]', '2025-12-31');
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    assert.match(await page.textContent('.flash'), /组织已建立/);
    assert.match(await page.textContent('h1'), new RegExp(`浏览器测试第${width}党支部`));
    assert.match(await page.textContent('main'), /任期已届满/, 'an expired term is flagged');
    await page.screenshot({ path: join(artifacts, `created-${tag}.png`), fullPage: true });

    // It appears under its township.
    await page.goto(townUrl);
    assert.match(await page.textContent('main'), new RegExp(`浏览器测试第${width}党支部`));

    assert.deepEqual(page.cspViolations, [], 'no CSP violations or script errors');
    await page.context().close();
  });

  await test(`${tag}: a township admin sees only the township`, async () => {
    const page = await newPage(width);
    await login(page, 'town_admin');
    await page.goto(base + '/orgs');
    const roots = await page.locator('#org-tree > li').count();
    assert.equal(roots, 1);
    assert.match(await page.textContent('#org-tree > li summary'), /龙场镇/);
    const res = await page.goto(base + '/orgs/1');
    assert.equal(res.status(), 404, 'the county root is out of scope');
    await page.screenshot({ path: join(artifacts, `township-${tag}.png`), fullPage: true });
    await page.context().close();
  });
}

await browser.close();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
rmSync(dataDir, { recursive: true, force: true });
console.log(failures ? `${failures} browser test(s) failed` : 'all browser tests passed; screenshots in e2e/artifacts/');
process.exit(failures ? 1 : 0);
