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

// ---------------------------------------------------------------------------------------------
// Member development (发展党员): one person through the 25 steps at desktop width (1280), then
// the person page at phone width (375). Every date is computed from today in China (the server's
// day), about three and a half years back, each interval well inside its limit.
await test('desktop: a branch secretary takes one person through the 25 steps of member development', async () => {
  const pad = (n) => String(n).padStart(2, '0');
  const D = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const addDays = (d, n) => new Date(d.getTime() + n * 86400000);
  // Calendar months as the rules count them: the same day, or the last day of a shorter month.
  const addMonths = (d, n) => {
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + n;
    const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    return new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last)));
  };
  const now = new Date(Date.now() + 8 * 3600 * 1000); // Beijing time
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));

  // The dates of the steps (the intervals of crates/web/tests/recruit_person.rs, with margins).
  const applied = addMonths(today, -42);
  const activist = addMonths(applied, 1); // talk within 1 month: on day 14
  const candidate = addMonths(activist, 13); // at least a year of training, reviews < 6 months apart
  const meeting = addDays(candidate, 60); // within a month of the 预审 (candidate + 45)
  const probationEnd = addMonths(meeting, 12);
  const regMeeting = addDays(probationEnd, 10); // within 3 months of the end of the probation
  const regApproval = addDays(regMeeting, 20); // within 3 months of the meeting

  // A valid ID number (GB 11643), someone born 1995-03-12, a sequence the demo county does not use.
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const body = '52010219950312987';
  const idCard = body + '10X98765432'[[...body].reduce((s, c, i) => s + Number(c) * w[i], 0) % 11];
  const name = '蒙浏览';

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await login(page, 'secretary');

  // From the side navigation to the pipeline, then the new-person form.
  await page.click('.sidenav a[href="/recruits"]');
  await page.waitForURL((u) => u.pathname === '/recruits', { waitUntil: 'load' });
  assert.match(await page.textContent('h1'), /发展党员/);
  assert.equal(await page.locator('#stage-counts [data-stage]').count(), 5, 'the five stages are counted');
  await page.screenshot({ path: join(artifacts, 'recruits-pipeline-desktop.png'), fullPage: true });
  await page.click('#new-recruit');
  await page.waitForURL((u) => u.pathname === '/recruits/new', { waitUntil: 'load' });
  assert.ok((await page.textContent('#fixed-branch')).trim().length > 0, "the secretary's branch is fixed");
  await page.fill('#recruit-form input[name=name]', name);
  await page.fill('#recruit-form input[name=id_card]', idCard);
  // The gender and birth date derived from the number (htmx preview).
  await page.waitForFunction(() => /1995-03-12/.test(document.querySelector('#derived')?.textContent || ''));
  assert.match(await page.textContent('#derived'), /男/);
  await page.selectOption('#recruit-form select[name=ethnicity]', '苗族');
  await page.selectOption('#recruit-form select[name=education]', { label: '大学本科' });
  await page.fill('#recruit-form input[name=phone]', '13900002222');
  await page.fill('#recruit-form input[name=work_post]', '兴井村村委会文书');
  await page.fill('#recruit-form input[name=applied_on]', D(applied));
  await page.click('#recruit-form button[type=submit]');
  await page.waitForURL((u) => /^\/recruits\/\d+$/.test(u.pathname) || u.pathname === '/recruits/new', { waitUntil: 'load' });
  const personPath = new URL(page.url()).pathname;
  assert.match(personPath, /^\/recruits\/\d+$/, 'registered: ' + (await page.textContent('main')));
  assert.equal((await page.textContent('h1')).trim().startsWith(name), true);
  assert.equal((await page.textContent('#person-id-card')).trim(), `${idCard.slice(0, 6)}********${idCard.slice(14)}`);
  assert.equal(await page.getAttribute('#step-1', 'data-state'), 'done');
  assert.match(await page.textContent('#step-1'), new RegExp(D(applied)));

  // The branch's full members, as the mentor form suggests them.
  let mentors = [];
  // What the form proposed for each step, and the steps chosen with the picker instead.
  const proposed = [];

  // The steps in order; `fill` fills the facts of the step (the date is filled for all).
  const steps = [
    { n: 2, key: 'application_talk', on: addDays(applied, 14) },
    { n: 3, key: 'activist_selection', on: activist,
      fill: async (f) => {
        await f.locator('[name=publicity_from]').fill(D(addDays(activist, -10)));
        await f.locator('[name=publicity_to]').fill(D(addDays(activist, -2)));
      } },
    { n: 4, key: 'activist_filing', on: addDays(activist, 5) },
    { n: 5, key: 'mentor_assignment', on: addDays(activist, 5),
      fill: async (f) => {
        mentors = await page.locator('#full-members option').evaluateAll((os) => os.map((o) => o.value));
        assert.ok(mentors.length >= 2, `the branch's full members are suggested (${mentors.length})`);
        mentors = mentors.slice(0, 2);
        for (const i of [0, 1]) {
          await f.locator(`[name=mentor_${i}_name]`).fill(mentors[i]);
          assert.ok(await f.locator(`[name=mentor_${i}_full]`).isChecked(), '正式党员 ticked by default');
        }
      } },
    { n: 6, key: 'activist_review', on: addMonths(activist, 5) },
    { n: 6, key: 'activist_review', on: addMonths(activist, 10) },
    { n: 7, key: 'candidate_selection', on: candidate,
      fill: async (f) => {
        await f.locator('[name=publicity_from]').fill(D(addDays(candidate, -10)));
        await f.locator('[name=publicity_to]').fill(D(addDays(candidate, -2)));
      } },
    { n: 8, key: 'candidate_filing', on: addDays(candidate, 5) },
    { n: 9, key: 'sponsor_assignment', on: addDays(candidate, 5),
      fill: async (f) => {
        // The sponsors default to the mentors, full members: kept as offered.
        for (const i of [0, 1]) {
          assert.equal(await f.locator(`[name=sponsor_${i}_name]`).inputValue(), mentors[i]);
          assert.ok(await f.locator(`[name=sponsor_${i}_full]`).isChecked());
          assert.ok(!(await f.locator(`[name=sponsor_${i}_discipline]`).isChecked()));
        }
      } },
    { n: 10, key: 'political_review', on: addDays(candidate, 10),
      fill: async (f) => {
        await f.locator('[name=concluded_on]').fill(D(addDays(candidate, 30)));
        await f.locator('[name=qualified]').check();
      } },
    { n: 11, key: 'intensive_training', on: addDays(candidate, 20),
      fill: async (f) => {
        await f.locator('[name=days]').fill('3');
        await f.locator('[name=hours]').fill('24');
      } },
    { n: 12, key: 'committee_review', on: addDays(candidate, 40) },
    { n: 13, key: 'pre_review', on: addDays(candidate, 45) },
    { n: 14, key: 'admission_form', on: addDays(candidate, 50) },
    { n: 15, key: 'admission_meeting', on: meeting, fill: vote },
    { n: 16, key: 'approval_talk', on: addDays(meeting, 10),
      fill: async (f) => { await f.locator('[name=by_committee_member]').check(); } },
    { n: 17, key: 'admission_approval', on: addDays(meeting, 30),
      fill: async (f) => {
        await f.locator('[name=publicity_from]').fill(D(addDays(meeting, 18)));
        await f.locator('[name=publicity_to]').fill(D(addDays(meeting, 27)));
      } },
    { n: 18, key: 'admission_filing', on: addDays(meeting, 35) },
    { n: 19, key: 'group_placement', on: addDays(meeting, 35) },
    { n: 20, key: 'oath', on: addDays(meeting, 40) },
    { n: 21, key: 'probation_review', on: addMonths(meeting, 6) },
    { n: 22, key: 'regularization_application', on: addMonths(meeting, 11) },
    { n: 23, key: 'regularization_meeting', on: regMeeting,
      fill: async (f) => {
        await vote(f);
        assert.ok(await f.locator('[name=decision][value=regularize]').isChecked(), '按期转正 by default');
      } },
    { n: 24, key: 'regularization_approval', on: regApproval,
      fill: async (f) => {
        // The 转正日期 is prefilled with the end of the probation: kept as offered.
        assert.equal(await f.locator('[name=regularized_on]').inputValue(), D(probationEnd));
        await f.locator('[name=publicity_from]').fill(D(addDays(regMeeting, 2)));
        await f.locator('[name=publicity_to]').fill(D(addDays(regMeeting, 10)));
      } },
    { n: 25, key: 'archiving', on: addDays(regApproval, 10) },
  ];

  // A vote of the 支部大会: the members entitled to vote as offered (the branch's full members),
  // all but two present, all but one of those in favour; one by one (ticked by default).
  async function vote(f) {
    const eligible = Number(await f.locator('[name=eligible]').inputValue());
    assert.ok(eligible >= 5, `the members entitled to vote are offered (${eligible})`);
    await f.locator('[name=present]').fill(String(eligible - 2));
    await f.locator('[name=in_favour]').fill(String(eligible - 3));
    assert.ok(await f.locator('[name=one_by_one]').isChecked(), '逐个表决 ticked by default');
  }

  for (const s of steps) {
    const what = `step ${s.n} ${s.key} on ${D(s.on)}`;
    await page.goto(base + personPath);
    const offered = await page.getAttribute('#step-form input[name=step]', 'value');
    proposed.push(offered);
    if (offered !== s.key) {
      // Another step than the one proposed: chosen with the picker (htmx swaps the form in).
      await page.selectOption('#step-picker select[name=step]', s.key);
      await page.waitForSelector(`#step-form input[name=step][value="${s.key}"]`, { state: 'attached' });
    }
    const records = await page.locator(`#step-${s.n} .step-record`).count();
    const f = page.locator('#step-form');
    await f.locator('[name=held_on]').fill(D(s.on));
    if (s.fill) await s.fill(f);
    await f.locator('button[type=submit]').click();
    // Recorded: back on the person page; refused: the form comes back at …/steps.
    await page.waitForURL((u) => u.searchParams.get('done') === 'step_recorded' || u.pathname.endsWith('/steps'),
      { waitUntil: 'load' });
    if (new URL(page.url()).pathname.endsWith('/steps')) {
      const why = await page.locator('#step-errors, #step-form .field-error').allTextContents();
      assert.fail(`${what} refused: ${why.join(' | ')}`);
    }
    assert.match(await page.textContent('.flash'), /发展步骤已记录/, what);
    assert.equal(await page.locator('#step-errors').count(), 0, what);
    const rec = page.locator(`#step-${s.n} .step-record`);
    assert.equal(await rec.count(), records + 1, `${what}: listed in the timeline`);
    assert.match(await rec.last().textContent(), new RegExp(D(s.on)), what);
    // A half-yearly review recurs: it stays the next step (overdue, as these steps are back-dated)
    // until the activist becomes a candidate.
    const state = await page.getAttribute(`#step-${s.n}`, 'data-state');
    assert.equal(state, s.key === 'activist_review' ? 'next' : 'done', `${what}: state in the timeline`);

    if (s.n === 17) {
      // Admitted: a 预备党员 in the registry, dated by the 支部大会; the page links the record.
      assert.equal((await page.textContent('#person-status')).trim(), '预备党员');
      const link = await page.textContent('#member-link');
      assert.ok(link.includes('预备党员') && link.includes(`入党日期 ${D(meeting)}`), link);
      assert.match(await page.getAttribute('#member-link a', 'href'), /^\/members\/\d+$/);
    }
    if (s.n === 24) {
      assert.equal((await page.textContent('#person-status')).trim(), '已转正');
      assert.match(await page.textContent('#next-message'), /材料归档/);
    }
  }
  // The page proposed each next step itself (the filing and the mentor right after the selection,
  // before any review), except where a half-yearly review it counts as overdue (the dates are in
  // the past) comes before the candidate: step 7 was picked; and the 继续教育考察 (21), a review
  // never proposed before the 转正 application.
  const picked = steps.map((s, i) => `${s.n}:${proposed[i]}`).filter((x, i) => !x.endsWith(`:${steps[i].key}`));
  assert.deepEqual(picked, ['7:activist_review', '21:regularization_application'],
    'the form defaults to the next step');

  // The end: every step done, nothing left to record, no violation.
  const states = await page.locator('#timeline li').evaluateAll((ls) => ls.map((l) => l.dataset.state));
  assert.equal(states.length, 25);
  assert.deepEqual(states.filter((x) => x !== 'done'), [], 'all 25 steps done');
  assert.equal(await page.locator('#step-form').count(), 0, 'nothing left to record');
  assert.match(await page.textContent('#next-message'), /材料已归档/);
  assert.equal(await page.locator('#violations li').count(), 0,
    (await page.locator('#violations li').allTextContents()).join(' | '));
  await page.screenshot({ path: join(artifacts, 'recruit-person-desktop.png'), fullPage: true });

  // The documents, from the records: the 转正 request names the person and the vote and
  // downloads as a Word file; the record sheet has all 25 steps and prints within the page width.
  await page.click('#documents a[data-kind="regularization_request"]');
  await page.waitForURL((u) => u.pathname.endsWith('/documents/regularization_request'), { waitUntil: 'load' });
  assert.match(await page.textContent('#document .doc-title'), new RegExp(`关于${name}同志.*转正的请示`));
  assert.match(await page.textContent('#document'), /赞成\d+票/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-docx')]);
  assert.match(download.suggestedFilename(), /\.docx$/);
  const { readFile } = await import('node:fs/promises');
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a .docx is a zip file');
  await page.goto(base + personPath + '/documents/record_sheet');
  assert.equal(await page.locator('#document tbody tr td:first-child').filter({ hasText: /^\d+$/ }).count(), 25);
  // An A4 page less its margins is about 600 CSS pixels wide.
  await page.setViewportSize({ width: 600, height: 900 });
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.sidenav').isVisible(), false, 'the navigation is not printed');
  const overflow = await page.evaluate(() => {
    const doc = document.querySelector('#document').getBoundingClientRect();
    return [...document.querySelectorAll('#document *')].filter((e) => e.getBoundingClientRect().right > doc.right + 0.5).length;
  });
  assert.equal(overflow, 0, 'the record sheet is not wider than the page');
  await page.screenshot({ path: join(artifacts, 'recruit-record-sheet-print.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(base + personPath);

  // The member record: a 正式党员, admitted on the day of the 支部大会, 转正 a year later.
  await page.click('#member-link a');
  await page.waitForURL((u) => /^\/members\/\d+$/.test(u.pathname), { waitUntil: 'load' });
  const prop = async (label) => (await page.locator(`dl.props dt:text-is("${label}") + dd`).textContent()).trim();
  assert.match(await page.textContent('h1'), new RegExp(name));
  assert.equal(await prop('人员类别'), '正式党员');
  assert.equal(await prop('入党日期'), D(meeting));
  assert.ok((await prop('转正日期')).startsWith(D(probationEnd)), await prop('转正日期'));
  assert.equal(D(probationEnd), D(addMonths(meeting, 12)));
  await page.screenshot({ path: join(artifacts, 'recruit-member-desktop.png'), fullPage: true });
  assert.deepEqual(problems, [], 'no CSP violations or script errors');
  await ctx.close();

  // The person page at phone width fits without horizontal scrolling.
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
  const small = await phone.newPage();
  const phoneProblems = [];
  small.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) phoneProblems.push(m.text()); });
  small.on('pageerror', (e) => phoneProblems.push('page error: ' + e.message));
  await login(small, 'secretary');
  await small.goto(base + personPath);
  assert.equal(await small.locator('#timeline li').count(), 25);
  // Nothing wider than the screen (the long stage badge in the heading wraps).
  const wide = await small.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} (${Math.round(e.getBoundingClientRect().right)} px)`));
  assert.deepEqual(wide, [], 'the person page fits the phone width');
  await small.screenshot({ path: join(artifacts, 'recruit-person-phone.png'), fullPage: true });
  assert.deepEqual(phoneProblems, [], 'no CSP violations or script errors on the phone');
  await phone.close();
});
// ---------------------------------------------------------------------------------------------

await browser.close();
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
rmSync(dataDir, { recursive: true, force: true });
console.log(failures ? `${failures} browser test(s) failed` : 'all browser tests passed; screenshots in e2e/artifacts/');
process.exit(failures ? 1 : 0);
