// The analyst's path through the web UI in a real browser (Debian's
// Chromium, driven by playwright-core): sign in with a token, open the top
// actor from the queue, click a persona node of its graph, come back and
// record a disposition, and see it after a reload. Screenshots go to
// $SCREENSHOTS. Run by crates/cli/tests/browser.rs, which starts the server.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const base = process.env.BASE_URL;
const token = process.env.TOKEN;
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });

const fail = (why) => { console.error(`browser test: ${why}`); process.exit(1); };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  await page.goto(`${base}/ui`);
  if (!page.url().endsWith('/ui/login')) fail(`not sent to sign in: ${page.url()}`);
  await page.fill('input[name=token]', token);
  await Promise.all([page.waitForURL(`${base}/ui`), page.click('button')]);
  await page.screenshot({ path: `${shots}/1-queue.png`, fullPage: true });
  const first = page.locator('tbody tr td a').first();
  if (await first.count() === 0) fail('the alert queue is empty');
  const actor = (await first.textContent()).trim();
  await Promise.all([page.waitForURL(`**/ui/actors/${actor}`), first.click()]);
  if (await page.locator('svg circle').count() < 2) fail('the actor graph has fewer than two personas');
  await page.screenshot({ path: `${shots}/2-actor.png`, fullPage: true });
  // A persona node of the graph opens that persona's records.
  const node = page.locator('svg a:has(circle)').first();
  await Promise.all([page.waitForURL('**/ui/personas/**'), node.click()]);
  if (!(await page.textContent('body')).includes('Records as received')) fail('the persona page shows no records');
  await page.screenshot({ path: `${shots}/3-persona.png`, fullPage: true });
  await page.goBack();
  await page.waitForSelector('#disposition');
  await page.check('input[name=status][value=confirmed_fraud]');
  await page.fill('input[name=note]', 'e2e: one operator behind these personas');
  // We are on the actor's page already: wait for the form's own request,
  // then load the page afresh.
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/ui/actors/${actor}`)),
    page.click('#disposition button'),
  ]);
  await page.goto(`${base}/ui/actors/${actor}`);
  const recorded = await page.textContent('#dispositions');
  if (!recorded.includes('confirmed_fraud') || !recorded.includes('e2e: one operator')) fail(`disposition not shown: ${recorded}`);
  await page.screenshot({ path: `${shots}/4-disposed.png`, fullPage: true });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: `${shots}/5-print.png`, fullPage: true });
  console.log(actor);
} finally {
  await browser.close();
}
