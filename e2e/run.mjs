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
    // Waits for the new page by its address (also when it loaded before the wait began).
    await page.click('a[href^="/orgs/new?parent="]');
    await page.waitForURL(/\/orgs\/new\?parent=/, { waitUntil: 'load' });
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

  await test(`${tag}: find members, import a roster from Excel with a preview, undo it`, async () => {
    const page = await newPage(width);
    page.on('dialog', (d) => d.accept());
    await login(page, 'town_admin');
    // The roster: search by pinyin initials of a name shown in the list.
    await page.goto(base + '/members');
    const someone = (await page.locator('#member-table tbody tr td:first-child a').first().textContent()).trim();
    const branch = (await page.locator('#member-table tbody tr td:nth-child(7)').first().textContent()).trim();
    await page.fill('input[name=q]', someone);
    await Promise.all([page.waitForNavigation(), page.click('form.search button[type=submit]')]);
    assert.match(await page.textContent('#member-table tbody'), new RegExp(someone));

    // Upload a CSV: one good row, one with a wrong ID-card check digit.
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const idOf = (body) => body + '10X98765432'[[...body].reduce((s, c, i) => s + Number(c) * w[i], 0) % 11];
    const good = idOf(`52010219880808${width === 360 ? '011' : '013'}`);
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const name = width === 360 ? '测试导入甲' : '测试导入乙';
    const csv = `党员名册\n姓名,公民身份号码,民族,学历,人员类别,入党日期,所在党支部\n` +
      `${name},${good},汉族,大学本科,正式党员,2012年7月1日,${branch}\n错误行,${bad},汉族,高中,正式党员,2012-07-01,${branch}\n`;
    await page.goto(base + '/import?kind=members');
    await page.setInputFiles('input[name=file]', { name: '名册.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('#upload-form button[type=submit]');
    await page.waitForURL(/\/import\/jobs\//);
    await page.waitForSelector('#job .counts');
    assert.deepEqual(await page.locator('.counts strong').allTextContents(), ['1', '0', '0', '1']);
    assert.match(await page.textContent('#rejected-rows'), /第4行.*公民身份号码.*校验/s);
    await page.screenshot({ path: join(artifacts, `import-preview-${tag}.png`), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('#confirm-import')]);
    await page.waitForSelector('text=导入完成');
    await page.screenshot({ path: join(artifacts, `import-done-${tag}.png`), fullPage: true });
    await page.goto(base + '/members?q=' + encodeURIComponent(name));
    assert.match(await page.textContent('#member-table tbody'), new RegExp(name));
    // Undo from the import page.
    await page.goto(base + '/import?kind=members');
    await Promise.all([page.waitForNavigation(), page.click('#last-import button[type=submit]')]);
    assert.match(await page.textContent('.flash'), /已撤销/);
    await page.goto(base + '/members?q=' + encodeURIComponent(name));
    assert.doesNotMatch(await page.textContent('main'), new RegExp(`>${name}<`));
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

// ---------------------------------------------------------------------------------------------
// Organizational life: quick entry of a meeting record on a phone (375 × 740).
await test('phone 375: a branch secretary records a meeting by quick entry', async () => {
  const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await login(page, 'secretary');
  // From the navigation (a collapsed menu on a phone) to the records, then quick entry.
  await page.click('.navmenu summary');
  await Promise.all([page.waitForNavigation(), page.click('.sidenav a[href="/meetings"]')]);
  await Promise.all([page.waitForNavigation(), page.click('#quick-entry')]);
  assert.match(await page.textContent('h1'), /快速录入/);
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, 'the quick-entry page fits the phone width');
  // A 支委会 (the default kind of a branch with a committee) lists only the committee; a 主题党日
  // the whole roster.
  const committee = await page.locator('#quick-form .attendee[data-committee]').count();
  if (committee > 0 && (await page.inputValue('#quick-form select[name=kind]')) === 'committee_meeting') {
    assert.equal(await page.locator('#quick-form .attendee:visible').count(), committee, 'only the committee');
  }
  await page.selectOption('#quick-form select[name=kind]', 'theme_day');
  const ticks = page.locator('#quick-form input[name=present]');
  const total = await ticks.count();
  assert.equal(await page.locator('#quick-form .attendee:visible').count(), total, 'the whole roster for a 主题党日');
  assert.ok(total >= 2, `the roster is listed (${total})`);
  assert.equal(await page.locator('#quick-form input[name=present]:checked').count(), total, 'everyone present by default');
  // The reason fields show only for those marked absent.
  assert.equal(await page.locator('#quick-form [data-absent-reason]:visible').count(), 0);
  const row = page.locator('#quick-form .attendee').nth(1);
  const name = (await row.locator('label').textContent()).trim();
  await row.locator('input[name=present]').uncheck();
  const reason = row.locator('[data-absent-reason]');
  await reason.waitFor({ state: 'visible' });
  await reason.fill('外出务工');
  assert.match(await page.textContent('[data-attendance-count]'), new RegExp(`实到 ${total - 1} / 应到 ${total}`));
  await page.fill('#quick-form input[name=topic]', '浏览器快速录入测试');
  await page.screenshot({ path: join(artifacts, 'meeting-quick-phone.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('#quick-form button[type=submit]')]);
  assert.match(new URL(page.url()).pathname, /^\/meetings\/\d+$/);
  assert.match(await page.textContent('.flash'), /已记录/);
  assert.match(await page.textContent('h1'), /浏览器快速录入测试/);
  assert.equal((await page.textContent('#attendance-count')).trim(), `应到 ${total} 人，实到 ${total - 1} 人`);
  assert.match(await page.textContent('#absentees'), new RegExp(`${name}（外出务工）`));
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the record fits too');
  await page.screenshot({ path: join(artifacts, 'meeting-recorded-phone.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no CSP violations or script errors');
  await ctx.close();
});
// ---------------------------------------------------------------------------------------------

await browser.close();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
rmSync(dataDir, { recursive: true, force: true });
console.log(failures ? `${failures} browser test(s) failed` : 'all browser tests passed; screenshots in e2e/artifacts/');
process.exit(failures ? 1 : 0);
