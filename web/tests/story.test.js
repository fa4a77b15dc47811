// The whole story a newcomer lives on the Integrations page, against the real `igconnect
// serve` and its Meta sandbox: sign in, connect on both login paths, see the cards, share,
// publish an image, a carousel and a reel, see a failed post, schedule and cancel, read the
// insights, answer a comment, look at the phone layout, disconnect.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, axeViolations, screenshot, eventually } from './harness.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let tab;
/** @type {import('playwright-core').Page} */
let page;
/** Sample images, as the composer addresses them on a plain-HTTP local server: Instagram
 * needs HTTPS, and the sandbox checks the address but never downloads it. */
const SAMPLES = 'https://sandbox.igconnect.invalid/samples/';
/** Every API answer body the page received, to prove no Instagram token reached it. */
const bodies = /** @type {string[]} */ ([]);

before(async () => {
  // The publish request answers 202 at once for videos, so the page shows the processing;
  // the worker then looks at the video again 10 s later (its fixed recheck delay) and
  // publishes it once the sandbox says FINISHED.
  server = await startServer({ IGC_PUBLISH_WAIT_MS: '0', IGC_SANDBOX_VIDEO_POLLS: '1' });
  browser = await launchBrowser();
  tab = await openPage(browser);
  page = tab.page;
  page.setDefaultTimeout(15000);
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/v1/') || response.url().endsWith('/dev/token')) {
      bodies.push(`${response.url()} ${response.headers()['location'] ?? ''}`);
      response.text().then((text) => bodies.push(text), () => {});
    }
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** @param {string} username */
const card = (username) => page.getByRole('article', { name: `@${username}` });

/** @param {string} name */
async function assertAccessible(name) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe found serious or critical violations on ${name}`);
}

/** @param {string} username */
async function openComposerFor(username) {
  await card(username).getByRole('button', { name: 'Publish' }).click();
  const dialog = page.getByRole('dialog', { name: `Publish to @${username}` });
  await dialog.waitFor();
  return dialog;
}

test('sign in as a dev user', async () => {
  await page.goto(`${server.origin}/`);
  await page.getByRole('heading', { name: 'Sign in to try igconnect' }).waitFor();
  await assertAccessible('the sign-in screen');
  await screenshot(page, '01-sign-in');
  await page.getByLabel('Company (tenant)').fill('acme');
  await page.getByLabel('Your user id').fill('alice');
  await page.getByLabel('Role').selectOption('owner');
  await page.getByLabel('Your user id').press('Enter');
  await page.getByRole('heading', { name: 'Instagram accounts' }).waitFor();
  await page.getByText('No account connected yet.').waitFor();
  assert.equal(await page.getByText('owner at acme').count(), 1);
});

test('connect with Facebook through the sandbox consent page', async () => {
  await page.getByRole('radio', { name: 'Me (alice)' }).check();
  await page.getByRole('button', { name: 'Connect with Facebook' }).click();
  await page.getByRole('heading', { name: 'Log in with Facebook (sandbox)' }).waitFor();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('status', { name: '2 accounts connected' }).waitFor();
  assert.equal(new URL(page.url()).search, '', 'the outcome is removed from the address');
  await card('sunrise.bakery').waitFor();
  await card('harbor.studio').waitFor();
});

test('connect with Instagram for the company', async () => {
  await page.getByRole('radio', { name: 'The company (acme)' }).check();
  await page.getByRole('button', { name: 'Connect with Instagram' }).click();
  await page.getByRole('radio', { name: /@pixel\.cafe/ }).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('status', { name: 'Account connected' }).waitFor();
  await card('pixel.cafe').waitFor();
});

test('the cards show real data without loading any sandbox picture', async () => {
  const bakery = card('sunrise.bakery');
  const text = await bakery.innerText();
  for (const expected of ['Sunrise Bakery', '1,520', '342', 'Facebook Login (via a Page)', 'You (alice)', 'Manage', 'Active', 'Never (Page token)', 'by alice']) {
    assert.ok(text.includes(expected), `the Sunrise Bakery card shows ${expected}: ${text}`);
  }
  const pixel = await card('pixel.cafe').innerText();
  for (const expected of ['Pixel Cafe', '2,048', 'Instagram Login', 'The company (acme)', 'Active']) {
    assert.ok(pixel.includes(expected), `the Pixel Cafe card shows ${expected}: ${pixel}`);
  }
  assert.match(pixel, /Token expires\s+in \d+ (days|months?)/, 'an Instagram token shows when it expires');
  const sources = await page.locator('img').evaluateAll((imgs) => imgs.map((i) => /** @type {HTMLImageElement} */ (i).src));
  assert.ok(sources.every((src) => !new URL(src).hostname.endsWith('.invalid')), `no .invalid image: ${sources}`);
  await assertAccessible('the account cards');
  await screenshot(page, '02-accounts');
});

test('share an account with a team member and narrow member access on a company account', async () => {
  await card('sunrise.bakery').getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share @sunrise.bakery' });
  await dialog.getByText('Nobody has been given access yet.').waitFor();
  await dialog.getByLabel('Team member’s user id').fill('bob');
  await dialog.getByLabel('Access', { exact: true }).selectOption('view');
  await dialog.getByRole('button', { name: 'Give access' }).click();
  await dialog.getByRole('combobox', { name: 'Access for bob' }).waitFor();
  assert.equal(await dialog.getByRole('combobox', { name: 'Access for bob' }).inputValue(), 'view');
  await assertAccessible('the share dialog');
  await screenshot(page, '03-share', dialog);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  await card('pixel.cafe').getByRole('button', { name: 'Share' }).click();
  const company = page.getByRole('dialog', { name: 'Share @pixel.cafe' });
  await company.getByLabel('What members get without a grant').selectOption('view');
  await company.getByRole('button', { name: 'Save member access' }).click();
  await page.getByRole('status').filter({ hasText: 'Member access saved.' }).waitFor();
  await company.getByRole('button', { name: 'Close' }).click();
});

test('publish an image with a sample, alt text and a caption counted live', async () => {
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByRole('button', { name: 'Use the croissant sample image' }).click();
  assert.equal(await dialog.getByLabel('Media URL').inputValue(), SAMPLES + 'croissant.svg');
  await dialog.getByRole('img', { name: 'Preview of image 1' }).waitFor();
  await dialog.getByLabel('Alt text').fill('A golden croissant on a white plate');
  const caption = 'Fresh out of the oven #croissant #bakery with @harbor.studio';
  await dialog.getByLabel('Caption').fill(caption);
  const counters = await dialog.locator('.counters').innerText();
  assert.match(counters, new RegExp(`Characters ${caption.length}/2,200`));
  assert.match(counters, /Hashtags 2\/30/);
  assert.match(counters, /Mentions 1\/20/);
  await assertAccessible('the composer');
  await screenshot(page, '04-compose', dialog);
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('status').filter({ hasText: /^Published$/ }).waitFor();
  assert.equal(await dialog.getByRole('link', { name: 'Open on Instagram' }).count(), 1);
  await screenshot(page, '05-published', dialog);
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('a submission whose answer was lost is sent again with the same Idempotency-Key, and published once', async () => {
  const dialog = await openComposerFor('harbor.studio');
  await dialog.getByRole('button', { name: 'Use the sunset sample image' }).click();
  await dialog.getByLabel('Caption').fill('Harbor at dusk');
  /** @type {string[]} */
  const keys = [];
  await page.route('**/v1/accounts/*/posts', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    keys.push(route.request().headers()['idempotency-key'] ?? '');
    if (keys.length > 1) return route.continue();
    // The server takes the first request and publishes; its answer is lost on the way.
    await route.fetch();
    tab.expectAborted(route.request().url());
    return route.abort('failed');
  });
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'The server could not be reached.' }).waitFor();
  assert.equal(await dialog.getByLabel('Caption').inputValue(), 'Harbor at dusk', 'the input is kept');
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('status').filter({ hasText: /^Published$/ }).waitFor();
  await page.unroute('**/v1/accounts/*/posts');
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1], 'the retry reuses the key');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await card('harbor.studio').getByRole('link', { name: 'Posts & insights' }).click();
  const posts = page.getByRole('list', { name: 'Posts of @harbor.studio' }).getByRole('listitem');
  await posts.first().waitFor();
  assert.equal(await posts.filter({ hasText: 'Harbor at dusk' }).count(), 1, 'published once');
  await page.getByRole('link', { name: '← All accounts' }).click();
  await card('harbor.studio').waitFor();
});

test('a caption over the limits is refused before sending, and the input is kept', async () => {
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByRole('button', { name: 'Use the sunset sample image' }).click();
  const tags = Array.from({ length: 31 }, (_, i) => `#tag${i}`).join(' ');
  await dialog.getByLabel('Caption').fill(tags);
  await dialog.getByText('Remove 1 hashtag (at most 30).').first().waitFor();
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  assert.equal(await dialog.getByLabel('Caption').inputValue(), tags, 'the caption is kept');
  assert.equal(await dialog.getByRole('region', { name: 'Progress' }).count(), 0, 'nothing was sent');
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('publish a carousel of two samples', async () => {
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByRole('radio', { name: 'Carousel' }).check();
  await dialog.getByRole('button', { name: 'Use the cafe sample image' }).click();
  await dialog.getByRole('button', { name: 'Use the sunset sample image' }).click();
  assert.equal(await dialog.getByLabel('Media URL 1').inputValue(), SAMPLES + 'cafe.svg');
  assert.equal(await dialog.getByLabel('Media URL 2').inputValue(), SAMPLES + 'sunset.svg');
  await dialog.getByLabel('Caption').fill('This week in pictures');
  // Hold the real answer back for a moment, to see the page while the request runs.
  /** @type {() => void} */
  let release = () => {};
  const held = new Promise((resolve) => { release = () => resolve(undefined); });
  /** @type {string[]} */
  const keys = [];
  await page.route('**/v1/accounts/*/posts', async (route) => {
    if (route.request().method() === 'POST') {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      await held;
    }
    await route.continue();
  });
  await dialog.getByRole('button', { name: 'Publish now' }).focus();
  await page.keyboard.press('Enter');
  await dialog.getByRole('status').filter({ hasText: 'Sending to Instagram…' }).waitFor();
  const button = dialog.getByRole('button', { name: 'Publish now' });
  assert.equal(await button.isDisabled(), true, 'the button is disabled while its request runs');
  assert.equal(await button.getAttribute('aria-busy'), 'true');
  assert.equal(await dialog.getByLabel('Caption').isEditable(), true, 'the rest of the form does not block');
  release();
  await dialog.getByRole('status').filter({ hasText: /^Published$/ }).waitFor();
  await page.unroute('**/v1/accounts/*/posts');
  assert.equal(keys.length, 1);
  assert.match(keys[0] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'an Idempotency-Key UUID');
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('a reel goes from processing to published', async () => {
  const dialog = await openComposerFor('pixel.cafe');
  await dialog.getByRole('radio', { name: 'Reel' }).check();
  await dialog.getByLabel('Media URL').fill('https://sandbox.igconnect.invalid/videos/latte-art.mp4');
  await dialog.getByLabel('Media URL').press('Tab');
  await dialog.getByRole('img', { name: 'Video 1: latte-art.mp4' }).waitFor();
  await dialog.getByLabel('Caption').fill('Latte art, start to finish #coffee');
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  const steps = dialog.getByRole('region', { name: 'Progress' }).getByRole('listitem');
  await steps.filter({ hasText: 'Instagram is processing the media' }).waitFor();
  await dialog.getByRole('status').filter({ hasText: /^Published$/ }).waitFor({ timeout: 45000 });
  const texts = await steps.allInnerTexts();
  assert.ok(texts.indexOf('Instagram is processing the media') < texts.findIndex((t) => t.startsWith('Published')), `steps in order: ${texts}`);
  await screenshot(page, '06-reel-published', dialog);
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('a post Instagram cannot fetch shows why, in plain words', async () => {
  tab.expectProblem('media_fetch_failed');
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByLabel('Media URL').fill(SAMPLES + 'sunset.svg?fail-fetch');
  await dialog.getByLabel('Caption').fill('This one will not go out');
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('status').filter({ hasText: 'Not published' }).waitFor();
  await dialog.getByText(/Instagram could not download the media/).waitFor();
  await screenshot(page, '07-failed', dialog);
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('schedule a post, then cancel it from the history', async () => {
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByRole('button', { name: 'Use the sourdough sample image' }).click();
  await dialog.getByLabel('Caption').fill('Tomorrow: sourdough');
  await dialog.getByLabel('Schedule for later').check();
  await dialog.getByLabel('Publish at').waitFor();
  await dialog.getByRole('button', { name: 'Schedule' }).click();
  await dialog.getByRole('status').filter({ hasText: 'Scheduled' }).waitFor();
  await dialog.getByRole('link', { name: 'See post history' }).click();
  await page.getByRole('heading', { name: '@sunrise.bakery', level: 1 }).waitFor();
  const history = page.getByRole('list', { name: 'Posts of @sunrise.bakery' });
  const scheduled = history.getByRole('listitem').filter({ hasText: 'Tomorrow: sourdough' });
  await scheduled.getByText('Scheduled', { exact: true }).waitFor();
  await scheduled.getByRole('button', { name: 'Cancel post' }).click();
  await page.getByRole('dialog', { name: 'Cancel this post?' }).getByRole('button', { name: 'Cancel post' }).click();
  await scheduled.getByText('Canceled', { exact: true }).waitFor();
  const failed = history.getByRole('listitem').filter({ hasText: 'This one will not go out' });
  await failed.getByText(/Instagram could not download the media/).waitFor();
});

test('the account page charts followers, reach and views, and a post’s metrics', async () => {
  await page.getByRole('img', { name: /Followers over time/ }).waitFor();
  await page.getByRole('img', { name: /Reach and views per day/ }).waitFor();
  const lines = await page.locator('svg.chart path.line').count();
  assert.ok(lines >= 3, `three lines drawn (followers, reach, views): ${lines}`);
  const post = page.getByRole('list', { name: 'Posts of @sunrise.bakery' }).getByRole('listitem').filter({ hasText: 'Fresh out of the oven' });
  await post.getByRole('button', { name: 'Metrics' }).click();
  const metrics = post.getByRole('definition');
  await metrics.first().waitFor();
  assert.ok((await post.getByRole('term').allInnerTexts()).includes('Reach'));
  const media = page.getByRole('list', { name: 'Recent media of @sunrise.bakery' });
  const seeded = media.getByRole('listitem').filter({ hasText: 'A quiet morning at @sunrise.bakery' });
  await seeded.getByRole('button', { name: 'Metrics' }).click();
  await seeded.getByRole('term').filter({ hasText: 'Reach' }).waitFor();
  assert.ok(await media.getByRole('listitem').filter({ hasText: 'Fresh out of the oven' }).count() >= 1, 'what igconnect published is among the media');
  await assertAccessible('the account page');
  await screenshot(page, '08-account-insights');
});

test('reply to a comment and hide one', async () => {
  const post = page.getByRole('list', { name: 'Posts of @sunrise.bakery' }).getByRole('listitem').filter({ hasText: 'Fresh out of the oven' });
  await post.getByRole('button', { name: 'Comments' }).click();
  const dialog = page.getByRole('dialog', { name: 'Comments' });
  const comments = dialog.getByRole('list', { name: 'Comments' }).locator(':scope > li');
  await comments.first().waitFor();
  const first = comments.first();
  const author = (await first.locator('.comment-head strong').first().innerText()).trim();
  await first.getByRole('button', { name: `Reply to ${author}` }).click();
  await first.getByLabel(`Your reply to ${author}`).fill('Thank you, see you tomorrow!');
  await first.getByRole('button', { name: 'Send reply' }).click();
  await first.getByRole('list', { name: `Replies to ${author}` }).getByText('Thank you, see you tomorrow!').waitFor();
  const second = comments.nth(1);
  const secondAuthor = (await second.locator('.comment-head strong').first().innerText()).trim();
  await second.getByRole('button', { name: `Hide the comment by ${secondAuthor}` }).click();
  await comments.nth(1).getByRole('button', { name: `Show the comment by ${secondAuthor}` }).waitFor();
  await comments.nth(1).getByText('Hidden', { exact: true }).waitFor();
  await assertAccessible('the comments dialog');
  await screenshot(page, '09-comments', dialog);
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('the cards fit a phone', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: '← All accounts' }).click();
  await card('sunrise.bakery').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 390px (${overflow}px too wide)`);
  await assertAccessible('the cards at phone width');
  await screenshot(page, '10-accounts-phone');
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByRole('radio', { name: 'Carousel' }).check();
  await dialog.getByRole('button', { name: 'Use the cafe sample image' }).click();
  const dialogOverflow = await dialog.evaluate((d) => d.scrollWidth - d.clientWidth);
  assert.ok(dialogOverflow <= 0, `the composer fits a phone (${dialogOverflow}px too wide)`);
  await assertAccessible('the composer at phone width');
  await screenshot(page, '10-compose-phone', dialog);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('transfer an account to the company after confirming', async () => {
  assert.ok((await card('harbor.studio').innerText()).includes('You (alice)'));
  await card('harbor.studio').getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share @harbor.studio' });
  await dialog.getByLabel('New owner', { exact: true }).selectOption('company');
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  const confirm = page.getByRole('dialog', { name: 'Transfer the account?' });
  await confirm.getByRole('button', { name: 'Transfer' }).click();
  await page.getByRole('status').filter({ hasText: '@harbor.studio now belongs to the company.' }).waitFor();
  await eventually(async () => (await card('harbor.studio').innerText()).includes('The company (acme)'), 'the card shows the new owner');
  // The API agrees: the account is the company's now.
  const accounts = await page.evaluate(async () => {
    const token = JSON.parse(sessionStorage.getItem('igconnect.session') ?? '{}').token;
    const res = await fetch('/v1/accounts', { headers: { authorization: `Bearer ${token}` } });
    return res.json();
  });
  const harbor = accounts.data.find((/** @type {{username: string}} */ a) => a.username === 'harbor.studio');
  assert.deepEqual(harbor.owner, { type: 'company' });
});

test('disconnect an account after confirming', async () => {
  await card('harbor.studio').getByRole('button', { name: 'Disconnect' }).click();
  const confirm = page.getByRole('dialog', { name: 'Disconnect @harbor.studio?' });
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  await card('harbor.studio').waitFor();
  await card('harbor.studio').getByRole('button', { name: 'Disconnect' }).click();
  await confirm.getByRole('button', { name: 'Disconnect' }).click();
  await card('harbor.studio').waitFor({ state: 'detached' });
  await card('sunrise.bakery').waitFor();
});

test('an account whose login Meta revoked needs re-auth, and reconnecting keeps it', async () => {
  // The Instagram account's owner changes their password: Meta revokes every token.
  const revoke = await fetch(`${server.origin}/sandbox/_inspect/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ig_user_id: '17841400000000201' }),
  });
  assert.equal(revoke.status, 200);
  await card('pixel.cafe').getByRole('button', { name: 'Check now' }).click();
  await card('pixel.cafe').getByText('Needs re-auth', { exact: true }).waitFor();
  await card('pixel.cafe').getByText(/Reconnect to use this account again/).waitFor();
  assert.equal(await card('pixel.cafe').getByRole('button', { name: 'Publish' }).count(), 0);
  await screenshot(page, '11-needs-reauth', card('pixel.cafe'));
  await card('pixel.cafe').getByRole('button', { name: 'Reconnect' }).click();
  await page.getByRole('radio', { name: /@pixel\.cafe/ }).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.getByRole('status', { name: 'Account connected' }).waitFor();
  await card('pixel.cafe').getByText('Active', { exact: true }).waitFor();
  assert.ok((await card('pixel.cafe').innerText()).includes('The company (acme)'), 'the owner is kept');
});

test('a team member sees what was shared with them, and only that', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Your user id').fill('bob');
  await page.getByLabel('Role').selectOption('member');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await card('sunrise.bakery').waitFor();
  const bakery = await card('sunrise.bakery').innerText();
  assert.ok(bakery.includes('View'), 'bob has view access');
  assert.equal(await card('sunrise.bakery').getByRole('button', { name: 'Publish' }).count(), 0, 'a viewer cannot publish');
  assert.equal(await card('sunrise.bakery').getByRole('button', { name: 'Share' }).count(), 0, 'a viewer cannot share');
  await eventually(async () => (await card('pixel.cafe').count()) === 1, 'the company account, with view access for members');
  assert.equal(await card('pixel.cafe').getByRole('button', { name: 'Publish' }).count(), 0, 'member access was narrowed to view');
  assert.equal(await page.getByRole('radio', { name: /The company/ }).count(), 0, 'a member cannot connect for the company');
});

test('no console error, no page error, no Instagram token on the page', async () => {
  assert.deepEqual(await tab.errors(), []);
  await eventually(async () => bodies.length > 20, 'answers recorded');
  const leaked = bodies.filter((b) => b.includes('IGSBXTOK'));
  assert.deepEqual(leaked, [], 'no answer the page received holds a sandbox token');
  const storage = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.documentElement.outerHTML);
  assert.ok(!storage.includes('IGSBXTOK'), 'no token in storage or in the page');
});
