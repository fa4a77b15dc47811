// One card per connected account, with what the caller may do on it.

import { describeError } from './api.js';
import { canConnectForCompany } from './auth.js';
import { h, replace, avatar, formatNumber, time, busy, confirmDialog, toast } from './dom.js';
import { startLogin } from './connect.js';
import { openComposer } from './compose.js';
import { openShareDialog } from './share.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 */

export const STATUS_LABEL = { active: 'Active', needs_reauth: 'Needs re-auth', revoked: 'Revoked' };
export const PERMISSION_LABEL = { view: 'View', publish: 'Publish', manage: 'Manage' };
const LAST_ERROR = {
  token_invalid: 'Instagram stopped accepting the login (password changed, Page role lost or app removed).',
  token_expired: 'The login expired.',
  data_access_expired: 'Meta’s 90-day data access ended; log in again.',
  meta_unavailable: 'Meta did not answer the last check.',
  meta_error: 'Meta answered the last check with an error.',
  rate_limited: 'Meta throttled the last check.',
};

/** @param {Account} account @param {Ctx} ctx */
export function ownerLabel(account, ctx) {
  if (account.owner.type === 'company') return `The company (${ctx.identity.tenant})`;
  return account.owner.user_id === ctx.identity.user ? `You (${account.owner.user_id})` : account.owner.user_id;
}

/** @param {Account} account */
export function loginLabel(account) {
  return account.login === 'facebook' ? 'Facebook Login (via a Page)' : 'Instagram Login';
}

/** @param {Account['status']} status */
export function statusBadge(status) {
  return h('span', { class: `badge badge-${status}` }, STATUS_LABEL[status] ?? status);
}

/** @param {import('./api.js').Permission} permission */
export function canPublish(permission) {
  return permission === 'publish' || permission === 'manage';
}

/**
 * Starts a new login on the account's path; the account keeps its id, owner and grants.
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} errorBox
 */
export function reconnect(ctx, account, button, errorBox) {
  const owner = account.owner.type === 'company' && canConnectForCompany(ctx.identity) ? 'company' : 'user';
  void busy(button, async () => {
    try {
      await startLogin(ctx, account.login, owner);
      await new Promise((resolve) => setTimeout(resolve, 10000));
    } catch (error) {
      replace(errorBox, h('p', { class: 'inline-error', role: 'alert' }, describeError(error)));
    }
  });
}

/**
 * @param {Ctx} ctx
 * @param {HTMLElement} container
 */
export function renderCards(ctx, container) {
  if (ctx.accounts.length === 0) {
    replace(container, h('div', { class: 'empty' },
      h('p', {}, h('strong', {}, 'No account connected yet.')),
      h('p', {}, 'Use “Connect with Facebook” or “Connect with Instagram” above. Locally, the Meta sandbox’s consent page stands in for Meta.')));
    return;
  }
  replace(container, h('div', { class: 'cards' }, ...ctx.accounts.map((account) => card(ctx, account))));
}

/**
 * @param {Ctx} ctx
 * @param {Account} account
 */
function card(ctx, account) {
  const titleId = `account-${account.id}-title`;
  const errorBox = h('div', {});
  const manage = account.permission === 'manage';
  const missing = ['insights', 'comments'].filter((f) => !account.features.includes(f));

  const actions = h('div', { class: 'card-actions' });
  if (account.status !== 'active') {
    const button = h('button', { type: 'button', class: 'button button-primary' }, 'Reconnect');
    button.addEventListener('click', () => reconnect(ctx, account, button, errorBox));
    actions.append(button);
  }
  if (canPublish(account.permission) && account.status === 'active') {
    actions.append(h('button', { type: 'button', class: 'button button-primary', onclick: () => openComposer(ctx, account) }, 'Publish'));
  }
  actions.append(h('a', { class: 'button', href: `#/accounts/${encodeURIComponent(account.id)}` }, 'Posts & insights'));
  /** @type {HTMLButtonElement | null} */
  let check = null;
  if (canPublish(account.permission) && account.status === 'active') {
    const button = h('button', { type: 'button', class: 'link-button small' }, 'Check now');
    button.addEventListener('click', () => void checkAccount(ctx, account, button, errorBox));
    check = button;
  }
  if (manage) {
    actions.append(h('button', { type: 'button', class: 'button', onclick: () => openShareDialog(ctx, account) }, 'Share'));
    const disconnect = h('button', { type: 'button', class: 'button button-ghost-danger' }, 'Disconnect');
    disconnect.addEventListener('click', () => void disconnectAccount(ctx, account, disconnect, errorBox));
    actions.append(disconnect);
  }

  const expires = account.token_expires_at === null
    ? h('span', {}, 'Never (Page token)')
    : h('span', {}, time(account.token_expires_at), ' ', h('span', { class: 'muted' }, `(${new Date(account.token_expires_at).toLocaleDateString()})`));

  return h('article', { class: 'card', 'aria-labelledby': titleId, 'data-account-id': account.id },
    h('div', { class: 'card-head' },
      avatar(account.profile_picture_url, account.name || account.username),
      h('div', {},
        h('h3', { class: 'card-title', id: titleId }, `@${account.username}`),
        h('p', { class: 'card-sub' }, account.name || '')),
      statusBadge(account.status)),
    h('dl', { class: 'stats' },
      h('div', {}, h('dt', {}, 'Followers'), h('dd', {}, formatNumber(account.followers_count))),
      h('div', {}, h('dt', {}, 'Posts'), h('dd', {}, formatNumber(account.media_count))),
      h('div', {}, h('dt', {}, 'Following'), h('dd', {}, formatNumber(account.follows_count)))),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Login'), h('dd', {}, loginLabel(account)),
      h('dt', {}, 'Owner'), h('dd', {}, ownerLabel(account, ctx)),
      h('dt', {}, 'Your access'), h('dd', {}, PERMISSION_LABEL[account.permission]),
      h('dt', {}, 'Token expires'), h('dd', {}, expires),
      h('dt', {}, 'Last checked'), h('dd', {}, account.last_refreshed_at ? time(account.last_refreshed_at) : 'Not yet', check ? ' · ' : null, check),
      h('dt', {}, 'Connected'), h('dd', {}, `by ${account.connected_by}, `, time(account.connected_at))),
    account.status !== 'active'
      ? h('p', { class: 'note' }, account.status === 'revoked'
        ? 'The Instagram user removed the app at Meta. Reconnect to use this account again; its grants and posts are kept.'
        : `${LAST_ERROR[/** @type {keyof typeof LAST_ERROR} */ (account.last_error ?? 'token_invalid')] ?? 'The login stopped working.'} Reconnect to use this account again; its grants and posts are kept.`)
      : missing.length > 0
        ? h('p', { class: 'note' }, `Not allowed at login: ${missing.join(' and ')}. Reconnect and leave every permission ticked to use ${missing.length === 1 ? 'it' : 'them'}.`)
        : null,
    errorBox,
    actions);
}

/**
 * Asks igconnect to check the login at Meta now and refresh the profile.
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} errorBox
 */
async function checkAccount(ctx, account, button, errorBox) {
  errorBox.replaceChildren();
  await busy(button, async () => {
    try {
      const after = await ctx.api.sync(account.id);
      if (after.status === 'active') toast(`@${account.username} is working; its profile is up to date.`, 'success');
      else toast(`Instagram no longer accepts @${account.username}’s login. Reconnect it.`, 'error');
      await ctx.reload();
    } catch (error) {
      replace(errorBox, h('p', { class: 'inline-error', role: 'alert' }, describeError(error)));
    }
  });
}

/**
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} errorBox
 */
async function disconnectAccount(ctx, account, button, errorBox) {
  const sure = await confirmDialog(`Disconnect @${account.username}?`,
    'Its login, grants and post history are deleted from igconnect. Scheduled posts will not go out. You can connect it again later.',
    'Disconnect', { danger: true });
  if (!sure) return;
  await busy(button, async () => {
    try {
      await ctx.api.disconnect(account.id);
      toast(`@${account.username} was disconnected.`, 'success');
      await ctx.reload();
    } catch (error) {
      replace(errorBox, h('p', { class: 'inline-error', role: 'alert' }, describeError(error)));
    }
  });
}
