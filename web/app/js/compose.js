// The composer: type, media (compose-media.js: files or addresses, with previews and alt
// text), caption with Instagram's limits counted live, schedule; then the post's progress
// until it is published or failed.

import { describeError, ApiError } from './api.js';
import { h, replace, append, openDialog, busy, field, formatDateTime, nextId, inlineError } from './dom.js';
import { countCaption, captionProblems, MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS } from './caption.js';
import { watchPost, FINAL, postStatusText } from './progress.js';
import { TYPES, composerMedia } from './compose-media.js';
import { ignoreStrayDrops } from './upload-tile.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {import('./api.js').Post} Post
 * @typedef {import('./api.js').PostType} PostType
 */

const CAPTION_CODES = new Set(['caption_too_long', 'too_many_hashtags', 'too_many_mentions', 'caption_not_allowed']);
const SCHEDULE_CODES = new Set(['publish_at_in_past', 'invalid_publish_at']);
const MEDIA_CODES = new Set(['empty_media', 'invalid_media_count', 'unknown_media_kind', 'reel_in_carousel', 'reel_needs_video',
  'image_post_needs_image', 'invalid_media_url', 'media_url_not_https', 'alt_text_not_allowed', 'alt_text_too_long',
  'upload_not_found', 'upload_not_ready', 'upload_rejected', 'upload_expired', 'upload_kind_mismatch', 'upload_target_mismatch']);

/** @returns {string} */
function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The default scheduled time: the next full hour after an hour from now, local time. */
function defaultScheduleValue() {
  const d = new Date(Date.now() + 3600000);
  d.setMinutes(0, 0, 0);
  d.setHours(d.getHours() + 1);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * Opens the composer for an account.
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {() => void} [onPublished] called when a post was created (history can refresh)
 */
export function openComposer(ctx, account, onPublished) {
  /** @type {PostType} */
  let type = 'image';
  const media = composerMedia(ctx);
  const { samples, mediaBox, mediaError, addRow, fitBox, coverField } = media.elements;
  /** @type {{ body: string, key: string } | null} */
  let pending = null;
  const watcher = new AbortController();
  let created = false;

  openDialog(`Publish to @${account.username}`, (dialog) => {
    const typeName = nextId('type');
    const typeChoice = h('fieldset', { class: 'segmented' }, h('legend', {}, 'Type'),
      ...Object.entries(TYPES).map(([value, t]) => h('label', {},
        h('input', { type: 'radio', name: typeName, value, checked: value === type, onchange: () => { type = /** @type {PostType} */ (value); renderType(); } }),
        t.label)));

    const caption = h('textarea', { name: 'caption', rows: 4, maxlength: MAX_CAPTION_CHARS * 2 });
    const counters = h('div', { class: 'counters', id: nextId('counters') });
    const captionError = h('div', {});
    caption.setAttribute('aria-describedby', counters.id);
    const captionField = h('div', { class: 'field' }, h('label', { for: caption.id = nextId('caption') }, 'Caption'), caption, counters, captionError);
    caption.addEventListener('input', renderCounters);

    const shareToFeed = h('input', { type: 'checkbox', name: 'share_to_feed', checked: true, id: nextId('stf') });
    const reelOptions = h('div', {},
      h('div', { class: 'field' }, h('label', { for: shareToFeed.id }, shareToFeed, ' Also show the reel in the feed')),
      coverField);

    const scheduleToggle = h('input', { type: 'checkbox', id: nextId('sched') });
    const publishAt = h('input', { type: 'datetime-local', name: 'publish_at', value: defaultScheduleValue() });
    const scheduleError = h('div', {});
    const scheduleField = field('Publish at', publishAt, `Your local time (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`);
    scheduleField.hidden = true;
    scheduleToggle.addEventListener('change', () => {
      scheduleField.hidden = !scheduleToggle.checked;
      submit.textContent = scheduleToggle.checked ? 'Schedule' : 'Publish now';
    });

    const formError = h('div', {});
    const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Publish now');
    const progress = h('section', { class: 'progress', hidden: true, 'aria-label': 'Progress' });
    const after = h('div', { class: 'actions', hidden: true });

    const form = h('form', { novalidate: true },
      typeChoice,
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Media'),
        h('p', { class: 'hint' }, 'Drop files on a media box or choose them (JPEG, PNG, WebP, GIF, MP4, MOV): igconnect converts them for Instagram. Or give a public HTTPS address Instagram can download.')),
      samples, mediaBox, mediaError, addRow, fitBox,
      captionField,
      reelOptions,
      h('div', { class: 'field' }, h('label', { for: scheduleToggle.id }, scheduleToggle, ' Schedule for later')),
      scheduleField, scheduleError,
      formError,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel'), submit));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(submit, send);
    });
    dialog.addEventListener('close', () => {
      watcher.abort();
      media.cancel();
    });
    ignoreStrayDrops(dialog);

    function renderCounters() {
      const c = countCaption(caption.value);
      /** @param {string} label @param {number} n @param {number} max */
      const counter = (label, n, max) => h('span', { class: n > max ? 'over' : '' }, `${label} ${n.toLocaleString()}/${max.toLocaleString()}`);
      replace(counters,
        counter('Characters', c.chars, MAX_CAPTION_CHARS),
        counter('Hashtags', c.hashtags, MAX_HASHTAGS),
        counter('Mentions', c.mentions, MAX_MENTIONS));
      const problems = captionProblems(caption.value);
      caption.setAttribute('aria-invalid', String(problems.length > 0));
      replace(captionError, problems.length ? inlineError(problems.join(' ')) : null);
    }

    function renderType() {
      const t = TYPES[type];
      captionField.hidden = !t.caption;
      reelOptions.hidden = type !== 'reel';
      media.setType(type);
    }

    /** @returns {import('./api.js').PostRequest} */
    function request() {
      const t = TYPES[type];
      /** @type {import('./api.js').PostRequest} */
      const body = { type, media: media.items() };
      if (t.caption && caption.value.trim()) body.caption = caption.value;
      if (type === 'reel') {
        body.options = { share_to_feed: shareToFeed.checked };
        const coverId = media.coverMediaId();
        if (coverId) body.options.cover_media_id = coverId;
      }
      if (scheduleToggle.checked && publishAt.value) body.publish_at = new Date(publishAt.value).toISOString();
      return body;
    }

    async function send() {
      for (const box of [captionError, scheduleError, formError]) box.replaceChildren();
      const t = TYPES[type];
      if (!media.check()) return;
      const body = request();
      const problems = t.caption ? captionProblems(caption.value) : [];
      if (problems.length) {
        replace(captionError, inlineError(problems.join(' ')));
        caption.focus();
        return;
      }
      if (scheduleToggle.checked && (!publishAt.value || new Date(publishAt.value).getTime() <= Date.now())) {
        replace(scheduleError, inlineError('Pick a time in the future.'));
        return;
      }
      // The same submission sent again (after a lost answer) reuses its key, so it can
      // never be published twice; anything changed is a new post.
      const json = JSON.stringify(body);
      const key = pending && pending.body === json ? pending.key : newKey();
      pending = { body: json, key };
      const sending = body.publish_at ? 'Scheduling…' : 'Sending to Instagram…';
      showProgress([{ text: sending, state: 'active' }], sending, true);
      try {
        const { post } = await ctx.api.createPost(account.id, body, key);
        pending = null;
        created = true;
        onPublished?.();
        follow(post);
      } catch (error) {
        if (error instanceof ApiError && error.problem.post) {
          pending = null;
          created = true;
          onPublished?.();
          follow(error.problem.post, error);
          return;
        }
        progress.hidden = true;
        const code = error instanceof ApiError ? error.code : '';
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && code !== 'rate_limited') pending = null;
        const message = inlineError(describeError(error));
        if (CAPTION_CODES.has(code)) replace(captionError, message);
        else if (SCHEDULE_CODES.has(code)) replace(scheduleError, message);
        else if (MEDIA_CODES.has(code)) media.showError(message);
        else replace(formError, message);
      }
    }

    /**
     * @param {{ text: string | Node, state: 'done' | 'active' | 'failed' }[]} list
     * @param {string} heading
     * @param {boolean} working
     */
    function showProgress(list, heading, working) {
      progress.hidden = false;
      replace(progress,
        h('p', { class: 'progress-title', role: 'status' }, working ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null, heading),
        h('ol', { class: 'steps' }, ...list.map((s) => h('li', { class: s.state }, s.text))));
    }

    /** What happened to the post so far, shown as a list. @type {{ text: string | Node, state: 'done' | 'active' | 'failed' }[]} */
    let steps = [];

    /**
     * Shows a post's progress, and follows it until it is final.
     * @param {Post} post
     * @param {unknown} [error]
     */
    function follow(post, error) {
      submit.disabled = true;
      submit.hidden = true;
      steps = [{ text: post.status === 'scheduled' ? 'Accepted by igconnect' : 'Sent to Instagram', state: 'done' }];
      update(post, error);
      if (!FINAL.has(post.status) && post.status !== 'scheduled') {
        void watchPost(ctx.api, account.id, post.id, (p) => update(p), watcher.signal).catch(() => {});
      }
    }

    /**
     * @param {Post} post
     * @param {unknown} [error]
     */
    function update(post, error) {
      const text = postStatusText(post);
      const last = steps[steps.length - 1];
      if (last && last.state === 'active' && last.text !== text) last.state = 'done';
      if (!last || last.text !== text) {
        steps.push({ text, state: post.status === 'failed' ? 'failed' : FINAL.has(post.status) || post.status === 'scheduled' ? 'done' : 'active' });
      }
      /** @type {Record<string, string>} */
      const headings = { published: 'Published', failed: 'Not published', scheduled: 'Scheduled', canceled: 'Canceled', processing: 'Instagram is processing the video…', unconfirmed: 'Waiting for Instagram to confirm…' };
      const working = !FINAL.has(post.status) && post.status !== 'scheduled';
      showProgress(steps, headings[post.status] ?? post.status, working);
      if (post.status === 'failed') {
        const why = post.failure?.message || describeError(error ?? new ApiError(422, { code: post.failure?.code ?? 'meta_error' }));
        append(progress, [h('p', { class: 'inline-error', role: 'alert' }, why)]);
      }
      if (post.status === 'published' && post.permalink) {
        append(progress, [h('p', { class: 'inline-success' }, 'It is live. ', h('a', { href: post.permalink, target: '_blank', rel: 'noopener' }, 'Open on Instagram'))]);
      }
      if (post.status === 'scheduled' && post.publish_at) {
        append(progress, [h('p', { class: 'small muted' }, `It goes out ${formatDateTime(post.publish_at)}. You can cancel it from the account’s post history until then.`)]);
      }
      after.hidden = false;
      replace(after,
        h('button', { type: 'button', class: 'button', onclick: reset }, 'Publish another'),
        h('a', { class: 'button', href: `#/accounts/${encodeURIComponent(account.id)}`, onclick: () => {
          // The history page loads the posts itself; no reload on close, so it renders once.
          created = false;
          dialog.close();
        } }, 'See post history'),
        h('button', { type: 'button', class: 'button button-primary', onclick: () => dialog.close() }, 'Done'));
    }

    function reset() {
      watcher.abort();
      dialog.close();
      openComposer(ctx, account, onPublished);
    }

    renderType();
    renderCounters();
    return [form, progress, after];
  }, { wide: true, onClose: () => { if (created) void ctx.reload(); } });
}
