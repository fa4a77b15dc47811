// The account's recent media on Instagram, posts made outside igconnect included: likes,
// comments, each one's metrics and its comments.

import { describeError } from './api.js';
import { h, replace, time, busy, inlineError, formatNumber, toast } from './dom.js';
import { previewSource } from './samples.js';
import { openComments } from './comments.js';
import { metricsList } from './history.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {import('./api.js').Media} Media
 */

/** @param {Media} m */
function kindLabel(m) {
  if (m.media_product_type === 'STORY') return 'Story';
  if (m.media_product_type === 'REELS') return 'Reel';
  if (m.media_type === 'CAROUSEL_ALBUM') return 'Carousel';
  if (m.media_type === 'VIDEO') return 'Video';
  return 'Image';
}

/**
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {HTMLElement} container
 */
export async function renderMedia(ctx, account, container) {
  replace(container, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading media…'));
  try {
    const page = await ctx.api.media(account.id);
    if (page.data.length === 0) {
      replace(container, h('p', { class: 'muted' }, 'No media on this account yet.'));
      return;
    }
    let cursor = page.next_cursor ?? '';
    const list = h('ol', { class: 'posts', 'aria-label': `Recent media of @${account.username}` }, ...page.data.map((m) => mediaItem(ctx, account, m)));
    const more = h('button', { type: 'button', class: 'button', hidden: !cursor }, 'Show older media');
    more.addEventListener('click', () => void busy(more, async () => {
      try {
        const next = await ctx.api.media(account.id, cursor);
        for (const m of next.data) list.append(mediaItem(ctx, account, m));
        cursor = next.next_cursor ?? '';
        more.hidden = !cursor;
      } catch (error) {
        toast(describeError(error), 'error');
      }
    }));
    replace(container, list, h('div', { class: 'actions' }, more));
  } catch (error) {
    replace(container, inlineError(describeError(error)));
  }
}

/**
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {Media} media
 */
function mediaItem(ctx, account, media) {
  const titleId = `media-${media.id}-title`;
  const picture = media.thumbnail_url || media.media_url;
  const source = picture ? previewSource(picture) : null;
  const thumb = source
    ? h('img', { class: 'tile', src: source, alt: '', width: 64, height: 64 })
    : h('div', { class: `tile${media.media_type === 'VIDEO' ? ' tile-video' : ''}`, 'aria-hidden': 'true' }, kindLabel(media));
  const metricsBox = h('div', {});
  const actions = h('div', { class: 'post-actions' });
  if (media.permalink) actions.append(h('a', { class: 'button button-small', href: media.permalink, target: '_blank', rel: 'noopener' }, 'Open on Instagram'));
  const metrics = h('button', { type: 'button', class: 'button button-small', 'aria-expanded': 'false' }, 'Metrics');
  metrics.addEventListener('click', () => void busy(metrics, async () => {
    if (metrics.getAttribute('aria-expanded') === 'true') {
      metrics.setAttribute('aria-expanded', 'false');
      metricsBox.replaceChildren();
      return;
    }
    try {
      replace(metricsBox, metricsList((await ctx.api.mediaInsights(account.id, media.id)).data));
      metrics.setAttribute('aria-expanded', 'true');
    } catch (error) {
      replace(metricsBox, inlineError(describeError(error)));
    }
  }));
  actions.append(metrics);
  if (media.media_product_type !== 'STORY') {
    actions.append(h('button', { type: 'button', class: 'button button-small', onclick: () => openComments(ctx, account, media.id, media.caption ?? '') }, 'Comments'));
  }
  return h('li', { class: 'post', 'aria-labelledby': titleId },
    thumb,
    h('div', {},
      h('div', { class: 'post-head' }, h('strong', { id: titleId }, `${kindLabel(media)} · `, time(media.timestamp, 'datetime'))),
      media.caption ? h('p', { class: 'post-caption' }, media.caption) : null,
      h('div', { class: 'post-meta' },
        media.like_count !== undefined ? h('span', {}, `${formatNumber(media.like_count)} likes`) : null,
        media.comments_count !== undefined ? h('span', {}, `${formatNumber(media.comments_count)} comments`) : null),
      actions, metricsBox));
}
