// A deployment's page: config.json in host mode, the JWT from the host product's token URL
// (or from window.igconnectToken, which wins), no dev sign-in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage } from './harness.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A JWT the API accepts, as the host product would mint it. @param {string} user @param {string} role */
async function jwt(user, role) {
  const response = await fetch(`${server.origin}/dev/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'globex', user, role }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).token;
}

/**
 * A page whose config.json is a deployment's, with the host's token endpoint answering `token`.
 * @param {string} token
 */
async function hostPage(token) {
  const tab = await openPage(browser);
  /** @type {string[]} */
  const tokenRequests = [];
  await tab.page.route('**/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ api_base: server.origin, auth: { mode: 'host', token_url: `${server.origin}/host-product/igconnect/token` } }),
  }));
  await tab.page.route('**/host-product/igconnect/token', (route) => {
    tokenRequests.push(route.request().method());
    return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ token }) });
  });
  return { ...tab, tokenRequests };
}

test('the page asks the host product for the JWT and shows who it names, without a sign-in form', async () => {
  const tab = await hostPage(await jwt('hannah', 'admin'));
  await tab.page.goto(`${server.origin}/`);
  await tab.page.getByRole('heading', { name: 'Instagram accounts' }).waitFor();
  assert.equal(await tab.page.getByText('admin at globex').count(), 1);
  assert.equal(await tab.page.getByRole('button', { name: 'Sign out' }).count(), 0);
  assert.equal(await tab.page.getByRole('radio', { name: 'The company (globex)' }).count(), 1);
  assert.ok(tab.tokenRequests.length >= 1 && tab.tokenRequests.every((m) => m === 'GET'));
  assert.deepEqual(await tab.errors(), []);
  await tab.context.close();
});

test('window.igconnectToken set by an embedding page wins over the token URL', async () => {
  const tab = await hostPage(await jwt('hannah', 'admin'));
  const carol = await jwt('carol', 'member');
  await tab.page.addInitScript((token) => { /** @type {any} */ (window).igconnectToken = async () => token; }, carol);
  await tab.page.goto(`${server.origin}/`);
  await tab.page.getByRole('heading', { name: 'Instagram accounts' }).waitFor();
  assert.equal(await tab.page.getByText('member at globex').count(), 1);
  assert.deepEqual(tab.tokenRequests, []);
  assert.deepEqual(await tab.errors(), []);
  await tab.context.close();
});
