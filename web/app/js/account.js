// One account's page (#/accounts/<id>): its profile, insights charts and post history.

import { h, replace, avatar, formatNumber } from './dom.js';
import { statusBadge, loginLabel, ownerLabel, canPublish, PERMISSION_LABEL, reconnect } from './cards.js';
import { openComposer } from './compose.js';
import { renderInsights } from './insights.js';
import { renderHistory } from './history.js';
import { renderMedia } from './media.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 */

/** Stops following posts of the account page that was left. @type {AbortController | null} */
let leaving = null;

/**
 * @param {Ctx} ctx
 * @param {HTMLElement} view
 * @param {Account} account
 */
export function renderAccountView(ctx, view, account) {
  leaving?.abort();
  leaving = new AbortController();
  document.title = `@${account.username} · Integrations · igconnect`;
  const signal = leaving.signal;
  window.addEventListener('hashchange', () => leaving?.abort(), { once: true });

  const insightsBox = h('div', {});
  const historyBox = h('div', {});
  const mediaBox = h('div', {});
  const errorBox = h('div', {});
  const actions = h('div', { class: 'card-actions' });
  if (account.status !== 'active') {
    const button = h('button', { type: 'button', class: 'button button-primary' }, 'Reconnect');
    button.addEventListener('click', () => reconnect(ctx, account, button, errorBox));
    actions.append(button);
  } else if (canPublish(account.permission)) {
    actions.append(h('button', { type: 'button', class: 'button button-primary', onclick: () => openComposer(ctx, account) }, 'Publish'));
  }
  const refresh = h('button', { type: 'button', class: 'button', onclick: () => void renderHistory(ctx, account, historyBox, signal) }, 'Refresh posts');

  replace(view,
    h('a', { class: 'back', href: '#/' }, '← All accounts'),
    h('section', { class: 'panel', 'aria-labelledby': 'account-title' },
      h('div', { class: 'account-head' },
        avatar(account.profile_picture_url, account.name || account.username, '4rem'),
        h('div', {},
          h('h1', { id: 'account-title' }, `@${account.username}`),
          h('p', { class: 'muted' }, [account.name, `${formatNumber(account.followers_count)} followers`, loginLabel(account), `Owner: ${ownerLabel(account, ctx)}`, `Your access: ${PERMISSION_LABEL[account.permission]}`].filter(Boolean).join(' · '))),
        statusBadge(account.status)),
      errorBox, actions),
    h('section', { class: 'section', 'aria-labelledby': 'insights-title' },
      h('div', { class: 'section-title' }, h('h2', { id: 'insights-title' }, 'Insights'), h('span', { class: 'small muted' }, 'Last 30 days')),
      insightsBox),
    h('section', { class: 'section', 'aria-labelledby': 'history-title' },
      h('div', { class: 'section-title' }, h('h2', { id: 'history-title' }, 'Post history'), refresh),
      historyBox),
    h('section', { class: 'section', 'aria-labelledby': 'media-title' },
      h('div', { class: 'section-title' }, h('h2', { id: 'media-title' }, 'Recent media on Instagram'), h('span', { class: 'small muted' }, 'Posts made outside igconnect too')),
      mediaBox));
  void renderInsights(ctx, account, insightsBox);
  void renderHistory(ctx, account, historyBox, signal);
  void renderMedia(ctx, account, mediaBox);
}
