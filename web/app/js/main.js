// Starts the page: reads config.json, signs in (dev) or asks the host product for a token,
// then shows the accounts or one account's posts and insights (#/accounts/<id>).

import { Api, describeError } from './api.js';
import { loadConfig, storedSession, clearSession, devSignIn, hostTokenSource } from './auth.js';
import { h, replace, select, field, busy, inlineError } from './dom.js';
import { takeCallbackOutcome, renderConnect } from './connect.js';
import { renderCards } from './cards.js';
import { renderAccountView } from './account.js';

/**
 * What every screen needs.
 * @typedef {{
 *   api: Api,
 *   identity: import('./auth.js').Identity,
 *   config: import('./api.js').Config,
 *   accounts: import('./api.js').Account[],
 *   reload: () => Promise<void>,
 *   showBanner: (banner: Banner | null) => void,
 * }} Ctx
 * @typedef {{ kind: 'success' | 'error' | 'info', title: string, text: string }} Banner
 */

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const sessionBox = /** @type {HTMLElement} */ (document.getElementById('session'));
const bannerBox = /** @type {HTMLElement} */ (document.getElementById('banner'));

/** @param {Banner | null} banner */
function showBanner(banner) {
  if (!banner) {
    bannerBox.replaceChildren();
    return;
  }
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss message', onclick: () => bannerBox.replaceChildren() }, '✕');
  replace(bannerBox, h('section', { class: `banner banner-${banner.kind}`, role: banner.kind === 'error' ? 'alert' : 'status', 'aria-label': banner.title },
    h('div', {}, h('h2', {}, banner.title), h('p', {}, banner.text)), close));
}

/** The signed-in screen's router; null while signed out. @type {(() => void) | null} */
let currentRoute = null;
window.addEventListener('hashchange', () => {
  if (!currentRoute) return;
  showBanner(null);
  currentRoute();
  document.getElementById('main')?.focus();
});

async function start() {
  // The login's outcome is read before anything else, so a reload does not show it twice.
  const outcome = takeCallbackOutcome();
  if (outcome) showBanner(outcome);

  /** @type {import('./api.js').Config} */
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    replace(view, h('section', { class: 'panel signin' }, h('h1', {}, 'This page is not configured'),
      h('p', {}, 'It could not read config.json next to it: ', describeError(error), '. A deployment writes that file (see config.example.json).')));
    return;
  }

  if (config.auth.mode === 'host') {
    const source = hostTokenSource(config.auth.token_url);
    try {
      const identity = await source.identity();
      const api = new Api(config.api_base, () => source.token(), () => source.forget());
      renderSessionBox(identity);
      await run({ api, identity, config });
    } catch (error) {
      replace(view, h('section', { class: 'panel signin' }, h('h1', {}, 'Sign in to continue'), h('p', {}, describeError(error))));
    }
    return;
  }

  const session = storedSession();
  if (!session) {
    renderSignIn(config);
    return;
  }
  const api = new Api(config.api_base, async () => session.token, () => {
    clearSession();
    renderSignIn(config, 'Your session has ended. Sign in again.');
  });
  renderSessionBox(session, () => {
    clearSession();
    showBanner(null);
    renderSignIn(config);
  });
  await run({ api, identity: session, config });
}

/**
 * Who is signed in; the host product signs people out itself, so only dev mode has a button.
 * @param {import('./auth.js').Identity} identity
 * @param {() => void} [signOut]
 */
function renderSessionBox(identity, signOut) {
  replace(sessionBox,
    h('div', { class: 'who' }, h('strong', {}, identity.user), h('small', {}, `${identity.role} at ${identity.tenant}`)),
    signOut ? h('button', { type: 'button', class: 'button button-small', onclick: signOut }, 'Sign out') : null);
}

/**
 * Dev mode: pick a tenant, user and role.
 * @param {import('./api.js').Config} config
 * @param {string} [message]
 */
function renderSignIn(config, message) {
  currentRoute = null;
  sessionBox.replaceChildren();
  const tenant = h('input', { type: 'text', name: 'tenant', value: 'acme', required: true, autocomplete: 'organization' });
  const user = h('input', { type: 'text', name: 'user', value: 'alice', required: true, autocomplete: 'username' });
  const role = select({ name: 'role' }, [['owner', 'Owner'], ['admin', 'Admin'], ['member', 'Member']], 'owner');
  const errorBox = h('div', {});
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Sign in');
  const form = h('form', { class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to try igconnect'),
    h('p', { class: 'lead' }, 'This local server signs you in as any person of any company, so the Meta sandbox can be tried by hand. In a deployment your product signs people in.'),
    message ? h('p', { class: 'inline-error', role: 'alert' }, message) : null,
    field('Company (tenant)', tenant),
    field('Your user id', user),
    field('Role', role, 'Owners and admins may connect accounts for the company; members connect their own.'),
    errorBox,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errorBox.replaceChildren();
    void busy(submit, async () => {
      try {
        const r = role.value;
        await devSignIn(config.api_base, { tenant: tenant.value.trim(), user: user.value.trim(), role: r === 'admin' || r === 'member' ? r : 'owner' });
        await start();
      } catch (error) {
        replace(errorBox, inlineError(describeError(error)));
      }
    });
  });
  replace(view, form);
  tenant.focus();
}

/**
 * Signed in: the accounts, or one account.
 * @param {{ api: Api, identity: import('./auth.js').Identity, config: import('./api.js').Config }} base
 */
async function run(base) {
  /** @type {Ctx} */
  const ctx = {
    ...base,
    accounts: [],
    showBanner,
    reload: async () => {
      ctx.accounts = await ctx.api.accounts();
      route();
    },
  };

  function route() {
    const match = /^#\/accounts\/([^/]+)$/.exec(location.hash);
    if (match) {
      const account = ctx.accounts.find((a) => a.id === decodeURIComponent(match[1] ?? ''));
      if (account) {
        renderAccountView(ctx, view, account);
        return;
      }
    }
    renderHome();
  }

  function renderHome() {
    document.title = 'Integrations · igconnect';
    const cards = h('div', {});
    replace(view,
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', {}, 'Instagram accounts'),
          h('p', {}, 'Connect professional Instagram accounts, share them with your team, publish and see how posts do.'))),
      renderConnect(ctx),
      h('section', { class: 'section', 'aria-labelledby': 'accounts-title' },
        h('div', { class: 'section-title' },
          h('h2', { id: 'accounts-title' }, 'Connected accounts'),
          h('span', { class: 'muted small', role: 'status' }, `${ctx.accounts.length} account${ctx.accounts.length === 1 ? '' : 's'}`)),
        cards));
    renderCards(ctx, cards);
  }

  currentRoute = route;

  replace(view, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading your accounts…'));
  try {
    ctx.accounts = await ctx.api.accounts();
  } catch (error) {
    replace(view, h('section', { class: 'panel' }, h('h1', {}, 'Your accounts could not be loaded'), inlineError(describeError(error)),
      h('button', { type: 'button', class: 'button', onclick: () => void run(base) }, 'Try again')));
    return;
  }
  route();
}

void start();
