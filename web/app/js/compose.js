// The composer: type, media with previews, caption with Instagram's limits counted live, alt
// text, schedule; then the post's progress until it is published or failed.

import { describeError, ApiError } from './api.js';
import { h, replace, append, openDialog, busy, field, formatDateTime, select, nextId, inlineError } from './dom.js';
import { countCaption, captionProblems, MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS, MAX_ALT_TEXT_CHARS } from './caption.js';
import { watchPost, FINAL, postStatusText } from './progress.js';
import { SAMPLES, sampleUrl, previewSource } from './samples.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {import('./api.js').Post} Post
 * @typedef {import('./api.js').PostType} PostType
 * @typedef {{ url: string, kind: 'image' | 'video', alt: string }} Row
 */

/** @type {Record<PostType, { label: string, min: number, max: number, kinds: ('image' | 'video')[], caption: boolean, alt: boolean }>} */
const TYPES = {
  image: { label: 'Image', min: 1, max: 1, kinds: ['image'], caption: true, alt: true },
  carousel: { label: 'Carousel', min: 2, max: 10, kinds: ['image', 'video'], caption: true, alt: true },
  reel: { label: 'Reel', min: 1, max: 1, kinds: ['video'], caption: true, alt: false },
  story: { label: 'Story', min: 1, max: 1, kinds: ['image', 'video'], caption: false, alt: false },
};

const CAPTION_CODES = new Set(['caption_too_long', 'too_many_hashtags', 'too_many_mentions', 'caption_not_allowed']);
const SCHEDULE_CODES = new Set(['publish_at_in_past', 'invalid_publish_at']);
const MEDIA_CODES = new Set(['empty_media', 'invalid_media_count', 'unknown_media_kind', 'reel_in_carousel', 'reel_needs_video',
  'image_post_needs_image', 'invalid_media_url', 'media_url_not_https', 'alt_text_not_allowed', 'alt_text_too_long']);

/** @returns {string} */
function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The file name at the end of a URL, for video tiles. @param {string} url */
function fileName(url) {
  try {
    const path = new URL(url).pathname;
    return decodeURIComponent(path.split('/').filter(Boolean).pop() ?? url);
  } catch {
    return url;
  }
}

/**
 * A preview of one media item: the image when it can be loaded, else a tile.
 * @param {Row} row
 * @param {number} index
 */
function preview(row, index) {
  const url = row.url.trim();
  if (!url) return h('div', { class: 'tile', 'aria-hidden': 'true' }, 'No media yet');
  if (row.kind === 'video') return h('div', { class: 'tile tile-video', role: 'img', 'aria-label': `Video ${index + 1}: ${fileName(url)}` }, fileName(url));
  const source = previewSource(url);
  if (!source) return h('div', { class: 'tile', role: 'img', 'aria-label': `Image ${index + 1}: ${fileName(url)}` }, fileName(url));
  const img = h('img', { class: 'tile', src: source, alt: row.alt || `Preview of image ${index + 1}`, width: 84, height: 84 });
  img.addEventListener('error', () => img.replaceWith(h('div', { class: 'tile', role: 'img', 'aria-label': `Image ${index + 1} could not be previewed` }, 'No preview')), { once: true });
  return img;
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
  /** @type {Row[]} */
  const rows = [{ url: '', kind: 'image', alt: '' }, { url: '', kind: 'image', alt: '' }];
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

    const mediaBox = h('div', { class: 'media-rows' });
    const mediaError = h('div', {});
    const addButton = h('button', { type: 'button', class: 'button button-small' }, '+ Add media');
    addButton.addEventListener('click', () => {
      rows.push({ url: '', kind: 'image', alt: '' });
      renderRows();
      const inputs = mediaBox.querySelectorAll('input[type="url"]');
      /** @type {HTMLInputElement | undefined} */ (inputs[inputs.length - 1])?.focus();
    });

    const samples = h('div', { class: 'samples' }, h('span', { class: 'small muted' }, 'Use a sample:'),
      ...SAMPLES.map((s) => h('button', {
        type: 'button', class: 'button button-small', 'aria-label': `Use the ${s.label.toLowerCase()} sample image`,
        onclick: () => useSample(sampleUrl(s.file)),
      }, s.label)));

    const caption = h('textarea', { name: 'caption', rows: 4, maxlength: MAX_CAPTION_CHARS * 2 });
    const counters = h('div', { class: 'counters', id: nextId('counters') });
    const captionError = h('div', {});
    caption.setAttribute('aria-describedby', counters.id);
    const captionField = h('div', { class: 'field' }, h('label', { for: caption.id = nextId('caption') }, 'Caption'), caption, counters, captionError);
    caption.addEventListener('input', renderCounters);

    const shareToFeed = h('input', { type: 'checkbox', name: 'share_to_feed', checked: true, id: nextId('stf') });
    const reelOptions = h('div', { class: 'field' }, h('label', { for: shareToFeed.id }, shareToFeed, ' Also show the reel in the feed'));

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
      h('div', { class: 'field' }, h('span', { class: 'label' }, 'Media'), h('p', { class: 'hint' }, 'Public HTTPS addresses Instagram can download.')),
      samples, mediaBox, mediaError,
      h('div', { class: 'samples' }, addButton),
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
    dialog.addEventListener('close', () => watcher.abort());

    /** @param {string} url */
    function useSample(url) {
      const t = TYPES[type];
      const visible = rows.slice(0, Math.max(t.min, type === 'carousel' ? rows.length : 1));
      let target = visible.find((r) => !r.url.trim());
      if (!target) {
        if (type === 'carousel' && rows.length < t.max) {
          target = { url: '', kind: 'image', alt: '' };
          rows.push(target);
        } else {
          target = /** @type {Row} */ (rows[0]);
        }
      }
      target.url = url;
      target.kind = 'image';
      renderRows();
    }

    function visibleRows() {
      return type === 'carousel' ? rows : rows.slice(0, 1);
    }

    function renderRows() {
      const t = TYPES[type];
      while (type === 'carousel' && rows.length < t.min) rows.push({ url: '', kind: 'image', alt: '' });
      const shown = visibleRows();
      replace(mediaBox, ...shown.map((row, index) => {
        if (!t.kinds.includes(row.kind)) row.kind = /** @type {'image' | 'video'} */ (t.kinds[0]);
        const n = type === 'carousel' ? ` ${index + 1}` : '';
        const tileBox = h('div', {}, preview(row, index));
        const url = h('input', { type: 'url', name: 'media_url', value: row.url, placeholder: 'https://…', inputmode: 'url', autocomplete: 'off' });
        url.addEventListener('input', () => { row.url = url.value; });
        url.addEventListener('change', () => replace(tileBox, preview(row, index)));
        const parts = [field(`Media URL${n}`, url)];
        if (t.kinds.length > 1) {
          const kind = select({ name: 'kind' }, [['image', 'Image'], ['video', 'Video']], row.kind);
          kind.addEventListener('change', () => { row.kind = kind.value === 'video' ? 'video' : 'image'; renderRows(); });
          parts.push(field(`Kind${n}`, kind));
        }
        if (t.alt && row.kind === 'image') {
          const alt = h('input', { type: 'text', name: 'alt_text', value: row.alt, maxlength: MAX_ALT_TEXT_CHARS });
          alt.addEventListener('input', () => { row.alt = alt.value; });
          parts.push(field(`Alt text${n}`, alt, 'Describes the image for people who cannot see it.'));
        }
        const remove = type === 'carousel' && rows.length > t.min
          ? h('button', { type: 'button', class: 'button button-small button-ghost-danger', onclick: () => { rows.splice(index, 1); renderRows(); } }, `Remove media${n}`)
          : null;
        return h('div', { class: 'media-row' }, tileBox, h('div', {}, ...parts, remove));
      }));
      addButton.hidden = type !== 'carousel' || rows.length >= t.max;
    }

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
      samples.hidden = !t.kinds.includes('image');
      captionField.hidden = !t.caption;
      reelOptions.hidden = type !== 'reel';
      renderRows();
    }

    /** @returns {import('./api.js').PostRequest} */
    function request() {
      const t = TYPES[type];
      /** @type {import('./api.js').PostRequest} */
      const body = {
        type,
        media: visibleRows().map((r) => {
          /** @type {import('./api.js').MediaItem} */
          const item = { url: r.url.trim(), kind: r.kind };
          if (t.alt && r.kind === 'image' && r.alt.trim()) item.alt_text = r.alt.trim();
          return item;
        }),
      };
      if (t.caption && caption.value.trim()) body.caption = caption.value;
      if (type === 'reel') body.options = { share_to_feed: shareToFeed.checked };
      if (scheduleToggle.checked && publishAt.value) body.publish_at = new Date(publishAt.value).toISOString();
      return body;
    }

    async function send() {
      for (const box of [mediaError, captionError, scheduleError, formError]) box.replaceChildren();
      const t = TYPES[type];
      const body = request();
      if (body.media.some((m) => !m.url)) {
        replace(mediaError, inlineError(t.max === 1 ? 'Add the media’s address, or use a sample.' : 'Fill in every media address, or remove the empty ones.'));
        return;
      }
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
        else if (MEDIA_CODES.has(code)) replace(mediaError, message);
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
