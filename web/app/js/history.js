// An account's posts, newest first: status, permalink, metrics of published posts, their
// comments, and canceling a scheduled post.

import { describeError, ApiError } from './api.js';
import { h, replace, time, busy, confirmDialog, toast, inlineError, formatNumber, formatDateTime } from './dom.js';
import { canPublish } from './cards.js';
import { openComments } from './comments.js';
import { watchPost, FINAL } from './progress.js';
import { previewSource } from './samples.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {import('./api.js').Post} Post
 */

const STATUS_LABEL = { scheduled: 'Scheduled', processing: 'Processing', published: 'Published', failed: 'Failed', unconfirmed: 'Unconfirmed', canceled: 'Canceled' };
const TYPE_LABEL = { image: 'Image', carousel: 'Carousel', reel: 'Reel', story: 'Story' };
const METRIC_LABEL = /** @type {Record<string, string>} */ ({
  reach: 'Reach', views: 'Views', likes: 'Likes', comments: 'Comments', saved: 'Saves', shares: 'Shares',
  total_interactions: 'Interactions', profile_visits: 'Profile visits', profile_activity: 'Profile activity', follows: 'Follows',
  ig_reels_avg_watch_time: 'Avg. watch time (ms)', ig_reels_video_view_total_time: 'Total watch time (ms)', replies: 'Replies', navigation: 'Navigation',
});

/**
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {HTMLElement} container
 * @param {AbortSignal} signal stops following posts still in progress
 */
export async function renderHistory(ctx, account, container, signal) {
  replace(container, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading posts…'));
  /** @type {Post[]} */
  let posts;
  /** @type {string | null} */
  let cursor;
  try {
    const page = await ctx.api.posts(account.id);
    posts = page.data;
    cursor = page.next_cursor;
  } catch (error) {
    replace(container, inlineError(describeError(error)));
    return;
  }
  if (posts.length === 0) {
    replace(container, h('div', { class: 'empty' }, h('p', {}, 'Nothing published through igconnect yet.'),
      canPublish(account.permission) ? h('p', {}, 'Use “Publish” to post an image, a carousel, a reel or a story.') : null));
    return;
  }
  const list = h('ol', { class: 'posts', 'aria-label': `Posts of @${account.username}` }, ...posts.map((p) => postItem(ctx, account, p, signal)));
  const more = h('button', { type: 'button', class: 'button', hidden: !cursor }, 'Show older posts');
  more.addEventListener('click', () => void busy(more, async () => {
    try {
      const page = await ctx.api.posts(account.id, cursor ?? '');
      for (const p of page.data) list.append(postItem(ctx, account, p, signal));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      toast(describeError(error), 'error');
    }
  }));
  replace(container, list, h('div', { class: 'actions' }, more));
}

/**
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {Post} post
 * @param {AbortSignal} signal
 */
function postItem(ctx, account, post, signal) {
  const item = h('li', { class: 'post', 'data-post-id': post.id });
  const titleId = `post-${post.id}-title`;
  item.setAttribute('aria-labelledby', titleId);

  function render() {
    const first = post.media[0];
    const source = first && first.kind === 'image' && first.url ? previewSource(first.url) : null;
    const thumb = source
      ? h('img', { class: 'tile', src: source, alt: first?.alt_text || '', width: 64, height: 64 })
      : h('div', { class: `tile${first?.kind === 'video' ? ' tile-video' : ''}`, 'aria-hidden': 'true' }, TYPE_LABEL[post.type]);
    const errorBox = h('div', {});
    const metricsBox = h('div', {});
    const actions = h('div', { class: 'post-actions' });
    if (post.status === 'published' && post.permalink) {
      actions.append(h('a', { class: 'button button-small', href: post.permalink, target: '_blank', rel: 'noopener' }, 'Open on Instagram'));
    }
    if (post.status === 'published') {
      const metrics = h('button', { type: 'button', class: 'button button-small', 'aria-expanded': 'false' }, 'Metrics');
      metrics.addEventListener('click', () => void showMetrics(metrics, metricsBox));
      actions.append(metrics);
      if (post.media_id && post.type !== 'story') {
        const mediaId = post.media_id;
        actions.append(h('button', { type: 'button', class: 'button button-small', onclick: () => openComments(ctx, account, mediaId, post.caption ?? '') }, 'Comments'));
      }
    }
    if ((post.status === 'scheduled' || post.status === 'processing') && canPublish(account.permission)) {
      const cancel = h('button', { type: 'button', class: 'button button-small button-ghost-danger' }, 'Cancel post');
      cancel.addEventListener('click', () => void cancelPost(cancel, errorBox));
      actions.append(cancel);
    }
    const when = post.status === 'published' ? ['Published ', time(post.published_at)]
      : post.status === 'scheduled' ? ['Goes out ', formatDateTime(post.publish_at)]
        : ['Created ', time(post.created_at)];
    replace(item,
      thumb,
      h('div', {},
        h('div', { class: 'post-head' },
          h('strong', { id: titleId }, `${TYPE_LABEL[post.type]} · ${formatDateTime(post.published_at ?? post.publish_at ?? post.created_at)}`),
          h('span', { class: `badge badge-${post.status}` }, STATUS_LABEL[post.status] ?? post.status)),
        post.caption ? h('p', { class: 'post-caption' }, post.caption) : null,
        h('div', { class: 'post-meta' }, h('span', {}, ...when), h('span', {}, `by ${post.created_by}`),
          h('span', {}, `${post.media.length} media`)),
        post.status === 'failed' && post.failure
          ? failureText(post.failure)
          : null,
        errorBox, actions, metricsBox));
  }

  /** @param {HTMLButtonElement} button @param {HTMLElement} box */
  async function showMetrics(button, box) {
    if (button.getAttribute('aria-expanded') === 'true') {
      button.setAttribute('aria-expanded', 'false');
      box.replaceChildren();
      return;
    }
    await busy(button, async () => {
      try {
        const data = await ctx.api.postInsights(account.id, post.id);
        replace(box, metricsList(data.data));
        button.setAttribute('aria-expanded', 'true');
      } catch (error) {
        replace(box, inlineError(describeError(error)));
      }
    });
  }

  /** @param {HTMLButtonElement} button @param {HTMLElement} errorBox */
  async function cancelPost(button, errorBox) {
    const sure = await confirmDialog('Cancel this post?', post.status === 'scheduled' ? `It will not go out ${formatDateTime(post.publish_at)}.` : 'It will not be published.', 'Cancel post', { danger: true });
    if (!sure) return;
    await busy(button, async () => {
      try {
        post = await ctx.api.cancelPost(account.id, post.id);
        toast('The post was canceled.', 'success');
        render();
      } catch (error) {
        replace(errorBox, inlineError(describeError(error)));
      }
    });
  }

  render();
  if (!FINAL.has(post.status) && post.status !== 'scheduled') {
    void watchPost(ctx.api, account.id, post.id, (p) => { post = p; render(); }, signal).catch(() => {});
  }
  return item;
}

/**
 * A failed post's reason in plain words, with Meta's own message when it says more.
 * @param {{ code: string, message: string }} failure
 */
export function failureText(failure) {
  // igconnect's message already says what to do, in plain words; the code's own sentence
  // stands in when there is none.
  return h('p', { class: 'inline-error' }, failure.message || describeError(new ApiError(422, { code: failure.code })));
}

/**
 * A media's lifetime metrics as a definition list.
 * @param {{ metric: string, value: number }[]} metrics
 */
export function metricsList(metrics) {
  return h('dl', { class: 'metrics', 'aria-label': 'Metrics' }, ...metrics.map((m) => h('div', {}, h('dt', {}, METRIC_LABEL[m.metric] ?? m.metric), h('dd', {}, formatNumber(m.value)))));
}
