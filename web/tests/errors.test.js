// The ways connecting goes wrong, as a person meets them on the page: each callback error
// is a banner in plain, actionable words; a member is never offered the company; a declined
// optional permission shows on the card and where the feature is used.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, axeViolations, screenshot } from './harness.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let tab;
/** @type {import('playwright-core').Page} */
let page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  tab = await openPage(browser);
  page = tab.page;
  page.setDefaultTimeout(15000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * @param {string} user
 * @param {'owner' | 'admin' | 'member'} role
 */
async function signIn(user, role) {
  await page.goto(`${server.origin}/`);
  const signOut = page.getByRole('button', { name: 'Sign out' });
  const form = page.getByRole('heading', { name: 'Sign in to try igconnect' });
  await signOut.or(form).first().waitFor();
  if (await signOut.isVisible()) await signOut.click();
  await page.getByLabel('Company (tenant)').fill('acme');
  await page.getByLabel('Your user id').fill(user);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Instagram accounts' }).waitFor();
}

/**
 * Opens a login's consent page, lets `decide` change it, and answers with `button`.
 * @param {'Facebook' | 'Instagram'} login
 * @param {() => Promise<void>} decide
 * @param {'Allow' | 'Cancel'} [button]
 */
async function consent(login, decide, button = 'Allow') {
  await page.getByRole('button', { name: `Connect with ${login}` }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  await decide();
  await page.getByRole('button', { name: button }).click();
  await page.getByRole('heading', { name: 'Instagram accounts' }).waitFor();
}

/** @param {string} title */
const banner = (title) => page.getByRole('alert', { name: title });

test('a wrong dev sign-in says what is wrong and keeps the form', async () => {
  tab.expectProblem('invalid_request');
  await page.goto(`${server.origin}/`);
  await page.getByLabel('Company (tenant)').fill('acme corp!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /tenant/ }).waitFor();
  assert.equal(await page.getByLabel('Company (tenant)').inputValue(), 'acme corp!');
});

test('a member is not offered to connect for the company', async () => {
  await signIn('mike', 'member');
  await page.getByText('Only owners and admins connect accounts for the company.').waitFor();
  assert.equal(await page.getByRole('radio', { name: /The company/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Connect with Facebook' }).count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Connect with Instagram' }).count(), 1);
});

test('an unticked permission on the Facebook consent page is a missing-permission message', async () => {
  await signIn('alice', 'admin');
  await consent('Facebook', () => page.getByRole('checkbox', { name: 'instagram_content_publish' }).uncheck());
  await banner('Permission missing').getByText('Connect again and leave every permission ticked.').waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, '12-connect-missing-permission');
  await page.getByRole('button', { name: 'Dismiss message' }).click();
  await banner('Permission missing').waitFor({ state: 'detached' });
});

test('an unticked permission on the Instagram consent page is the same message', async () => {
  await consent('Instagram', () => page.getByRole('checkbox', { name: 'instagram_business_content_publish' }).uncheck());
  await banner('Permission missing').waitFor();
});

test('no Page granted says to select a Page', async () => {
  await consent('Facebook', async () => {
    for (const name of [/Sunrise Bakery/, /Harbor Studio/, /Quiet Page/]) await page.getByRole('checkbox', { name }).uncheck();
  });
  await banner('No Facebook Page').getByText(/get a role on one, then connect again and select it/).waitFor();
});

test('a Page without an Instagram account says to switch to a professional account and link it', async () => {
  await consent('Facebook', async () => {
    for (const name of [/Sunrise Bakery/, /Harbor Studio/]) await page.getByRole('checkbox', { name }).uncheck();
  });
  await banner('Not a business account').getByText(/Linked accounts/).waitFor();
});

test('cancelling on the consent page says nothing was connected', async () => {
  await consent('Instagram', async () => {}, 'Cancel');
  await banner('Login cancelled').getByText(/nothing was connected/).waitFor();
  await page.getByText('No account connected yet.').waitFor();
});

test('a declined optional permission shows on the card and where it is needed', async () => {
  tab.expectProblem('scope_not_granted');
  await consent('Instagram', () => page.getByRole('checkbox', { name: 'instagram_business_manage_insights' }).uncheck());
  await page.getByRole('status', { name: 'Account connected' }).waitFor();
  const card = page.getByRole('article', { name: '@pixel.cafe' });
  await card.getByText('Not allowed at login: insights.').waitFor();
  await card.getByRole('link', { name: 'Posts & insights' }).click();
  await page.getByRole('img', { name: /Followers over time/ }).waitFor();
  await page.getByText(/connected without the permission this needs.*Reconnect it/).waitFor();
});

test('no console error or page error along the way', async () => {
  assert.deepEqual(await tab.errors(), []);
});
