// Following a post until it is final: polls GET /v1/accounts/{id}/posts/{post_id} with
// back-off, and says where it stands in plain words.

import { formatDateTime } from './dom.js';

/** @typedef {import('./api.js').Post} Post @typedef {import('./api.js').Api} Api */

/** Statuses after which nothing changes by itself. */
export const FINAL = new Set(['published', 'failed', 'canceled']);

/** @param {Post} post */
export function postStatusText(post) {
  switch (post.status) {
    case 'published': return `Published${post.published_at ? ` ${formatDateTime(post.published_at)}` : ''}`;
    case 'processing': return 'Instagram is processing the media';
    case 'scheduled': return `Scheduled for ${formatDateTime(post.publish_at)}`;
    case 'unconfirmed': return 'Waiting for Instagram to confirm it went out';
    case 'canceled': return 'Canceled';
    case 'failed': return 'Failed';
    default: return post.status;
  }
}

/**
 * Polls a post until it is final (or the signal aborts), calling `onUpdate` on every change.
 * Starts at one second and backs off to five.
 * @param {Api} api
 * @param {string} accountId
 * @param {string} postId
 * @param {(post: Post) => void} onUpdate
 * @param {AbortSignal} signal
 * @returns {Promise<Post | null>}
 */
export async function watchPost(api, accountId, postId, onUpdate, signal) {
  let delay = 1000;
  let last = '';
  let failures = 0;
  while (!signal.aborted) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }, { once: true });
    });
    if (signal.aborted) return null;
    try {
      const post = await api.post(accountId, postId, signal);
      failures = 0;
      const seen = `${post.status}|${post.updated_at}`;
      if (seen !== last) {
        last = seen;
        onUpdate(post);
      }
      if (FINAL.has(post.status)) return post;
    } catch (error) {
      if (signal.aborted) return null;
      failures += 1;
      if (failures > 5) throw error;
    }
    delay = Math.min(Math.round(delay * 1.3), 5000);
  }
  return null;
}
