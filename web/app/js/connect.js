// Connecting accounts: the two login paths, who will own the connection, and the outcome of
// the redirect round trip through Meta (?ig_connect=success|error).

import { describeError } from './api.js';
import { canConnectForCompany } from './auth.js';
import { h, busy, replace, inlineError } from './dom.js';

/** @typedef {import('./main.js').Ctx} Ctx @typedef {import('./main.js').Banner} Banner */

/**
 * What each callback error code means for the person, and what to do (docs/meta-app.md,
 * Troubleshooting).
 * @type {Record<string, { title: string, text: string }>}
 */
const CALLBACK_ERRORS = {
  access_denied: {
    title: 'Login cancelled',
    text: 'You cancelled on the Meta consent screen, so nothing was connected. Connect again when you are ready.',
  },
  missing_permissions: {
    title: 'Permission missing',
    text: 'A permission igconnect needs was unticked on the consent screen. Connect again and leave every permission ticked.',
  },
  no_facebook_pages: {
    title: 'No Facebook Page',
    text: 'No Facebook Page was selected, or you manage none. Create a Page or get a role on one, then connect again and select it.',
  },
  no_instagram_business_account: {
    title: 'Not a business account',
    text: 'No professional Instagram account was found. Switch the Instagram account to Business or Creator (Instagram settings), link it to your Facebook Page (Page settings, Linked accounts), then connect again.',
  },
  token_exchange_failed: {
    title: 'The login could not be completed',
    text: 'Meta did not accept the login. If the Meta app is in Development mode, you need a role on it (testers must accept the invitation in Instagram). Administrators: check that the redirect URI and app secret match the Meta dashboard.',
  },
  meta_error: {
    title: 'Meta answered with an error',
    text: 'Meta could not complete the connection just now. Try connecting again in a moment.',
  },
  internal_error: {
    title: 'Something went wrong',
    text: 'igconnect could not finish the connection. Try again; if it keeps happening, contact support.',
  },
};

/**
 * Reads the login's outcome from the address and removes it, so a reload does not repeat it.
 * @returns {Banner | null}
 */
export function takeCallbackOutcome() {
  const params = new URLSearchParams(location.search);
  const outcome = params.get('ig_connect');
  if (!outcome) return null;
  const count = Number(params.get('accounts') ?? '0');
  const code = params.get('code') ?? 'internal_error';
  for (const name of ['ig_connect', 'accounts', 'code']) params.delete(name);
  const query = params.toString();
  history.replaceState(history.state, '', location.pathname + (query ? `?${query}` : '') + location.hash);
  if (outcome === 'success') {
    return {
      kind: 'success',
      title: count === 1 ? 'Account connected' : `${count} accounts connected`,
      text: count === 0 ? 'The login worked, but no new account was found.' : `${count === 1 ? 'It is' : 'They are'} listed below, ready to publish.`,
    };
  }
  const known = CALLBACK_ERRORS[code] ?? { title: 'The account was not connected', text: `The login ended with “${code}”. Try connecting again.` };
  return { kind: 'error', ...known };
}

/**
 * Sends the browser to Meta's consent page through igconnect.
 * @param {Ctx} ctx
 * @param {'facebook' | 'instagram'} login
 * @param {'user' | 'company'} owner
 */
export async function startLogin(ctx, login, owner) {
  const { authorization_url } = await ctx.api.initiate(login, owner, location.origin + location.pathname);
  location.assign(authorization_url);
}

/**
 * The "Connect an account" panel.
 * @param {Ctx} ctx
 */
export function renderConnect(ctx) {
  const company = canConnectForCompany(ctx.identity);
  const errorBox = h('div', {});
  /** @type {HTMLInputElement | null} */
  let companyRadio = null;
  /** @type {HTMLElement} */
  let ownerChoice;
  if (company) {
    companyRadio = h('input', { type: 'radio', name: 'connect-owner', value: 'company' });
    ownerChoice = h('fieldset', { class: 'owner-choice' },
      h('legend', {}, 'Who will own the connection?'),
      h('label', {}, h('input', { type: 'radio', name: 'connect-owner', value: 'user', checked: true }), `Me (${ctx.identity.user})`),
      h('label', {}, companyRadio, `The company (${ctx.identity.tenant})`));
  } else {
    ownerChoice = h('p', { class: 'muted small' }, `Accounts you connect are yours (${ctx.identity.user}); you can share them with your team afterwards. Only owners and admins connect accounts for the company.`);
  }

  /** @param {'facebook' | 'instagram'} login */
  const connect = (login) => (/** @type {Event} */ event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
    errorBox.replaceChildren();
    void busy(button, async () => {
      try {
        await startLogin(ctx, login, companyRadio?.checked ? 'company' : 'user');
        // The page is leaving; keep the button busy until it does.
        await new Promise((resolve) => setTimeout(resolve, 10000));
      } catch (error) {
        replace(errorBox, inlineError(describeError(error)));
      }
    });
  };

  return h('section', { class: 'panel', 'aria-labelledby': 'connect-title' },
    h('h2', { id: 'connect-title' }, 'Connect an account'),
    ownerChoice,
    h('div', { class: 'connect-grid' },
      h('div', { class: 'connect-option' },
        h('p', {}, 'For Instagram business or creator accounts linked to a Facebook Page. One login connects every Page’s account you select.'),
        h('button', { type: 'button', class: 'button button-facebook', onclick: connect('facebook') }, 'Connect with Facebook')),
      h('div', { class: 'connect-option' },
        h('p', {}, 'For professional Instagram accounts without a Facebook Page. You sign in to Instagram directly.'),
        h('button', { type: 'button', class: 'button button-instagram', onclick: connect('instagram') }, 'Connect with Instagram'))),
    errorBox);
}
