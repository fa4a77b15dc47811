// What the composer shows of a file: a picker (keyboard reachable, labelled), drop zones,
// and each file's tile: its name, a progress bar while it is sent and converted, then the
// converted preview with its size and what was changed, or why it was refused.

import { h, replace, nextId, inlineError } from './dom.js';
import { changesText, formatBytes } from './uploads.js';

/** @typedef {import('./uploads.js').FileUpload} FileUpload */

/**
 * A file input behind a button-like label. The input stays in the tab order (visually
 * hidden, its focus shown on the label), so the keyboard reaches it.
 * @param {string} text the label's visible text
 * @param {string} context what the name adds for screen readers ("for media 2"), or ""
 * @param {string} accept
 * @param {boolean} multiple
 * @param {(files: File[]) => void} onFiles
 */
export function filePicker(text, context, accept, multiple, onFiles) {
  const input = h('input', { type: 'file', class: 'file-input', id: nextId('file'), accept, multiple });
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length) onFiles(files);
  });
  return h('span', { class: 'file-picker' }, input,
    h('label', { for: input.id, class: 'button button-small' }, text, context ? h('span', { class: 'visually-hidden' }, ` ${context}`) : null));
}

/** Whether a drag carries files (not text or a link). @param {DragEvent} event */
function hasFiles(event) {
  return Array.from(event.dataTransfer?.types ?? []).includes('Files');
}

/**
 * Makes `area` take dropped files. `targetOf` says which part of it the drop is meant for
 * (highlighted while a file is over it), from the element under the pointer.
 * @param {HTMLElement} area
 * @param {(files: File[], target: Element | null) => void} onFiles
 * @param {(element: Element) => Element | null} [targetOf]
 */
export function dropZone(area, onFiles, targetOf = () => area) {
  /** @type {Element | null} */
  let over = null;
  /** @param {Element | null} next */
  const highlight = (next) => {
    if (over === next) return;
    over?.classList.remove('is-drop-target');
    over = next;
    over?.classList.add('is-drop-target');
  };
  area.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    highlight(event.target instanceof Element ? targetOf(event.target) ?? area : area);
  });
  area.addEventListener('dragleave', (event) => {
    if (!(event.relatedTarget instanceof Node) || !area.contains(event.relatedTarget)) highlight(null);
  });
  area.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    highlight(null);
    const files = Array.from(event.dataTransfer?.files ?? []);
    if (files.length) onFiles(files, event.target instanceof Element ? targetOf(event.target) : null);
  });
}

/**
 * Keeps a file dropped outside the drop zones from replacing the page (the browser's
 * default is to open it, losing the composer).
 * @param {HTMLElement} element
 */
export function ignoreStrayDrops(element) {
  for (const name of ['dragover', 'drop']) {
    element.addEventListener(name, (event) => {
      const drag = /** @type {DragEvent} */ (event);
      if (drag.defaultPrevented || !hasFiles(drag)) return;
      drag.preventDefault();
      if (drag.dataTransfer) drag.dataTransfer.dropEffect = 'none';
    });
  }
}

/** One element per upload and media, so a preview is fetched once however often the composer renders. */
const previews = new WeakMap();

/** @param {FileUpload} upload */
function thumb(upload) {
  const name = upload.file.name;
  const media = upload.media;
  const preview = media?.result?.preview_url;
  if (upload.state === 'ready' && upload.kind === 'image' && media && preview) {
    /** @type {Map<string, HTMLElement> | undefined} */
    let cache = previews.get(upload);
    if (!cache) previews.set(upload, cache = new Map());
    let img = cache.get(media.id);
    if (!img) {
      img = h('img', { class: 'tile', src: preview, alt: `Preview of ${name} as Instagram will get it`, width: 84, height: 84 });
      const el = img;
      el.addEventListener('error', () => el.replaceWith(h('div', { class: 'tile', role: 'img', 'aria-label': `${name} could not be previewed` }, 'No preview')), { once: true });
      cache.set(media.id, img);
    }
    return img;
  }
  if (upload.state === 'failed') return h('div', { class: 'tile tile-failed', role: 'img', 'aria-label': `${name} was not accepted` }, '✕');
  if (upload.kind === 'video') return h('div', { class: 'tile tile-video', role: 'img', 'aria-label': `Video: ${name}` }, name);
  return h('div', { class: 'tile', 'aria-hidden': 'true' }, name);
}

/**
 * A tile for one upload: `thumb` for the picture's place, `details` beside it. Both follow
 * the upload by themselves.
 * @param {FileUpload} upload
 * @param {{ retry: () => void, remove: () => void, label: () => string, changed?: () => void }} actions `label` is what the
 *   buttons' names add ("for media 2"); `changed` is called after every step
 */
export function uploadTile(upload, actions) {
  const thumbBox = h('div', { class: 'tile-box' });
  const details = h('div', { class: 'upload' });
  const status = h('p', { class: 'upload-status', role: 'status' });
  const body = h('div', {});
  const name = h('p', { class: 'upload-name' }, h('strong', {}, upload.file.name), h('span', { class: 'muted small' }, ` · ${formatBytes(upload.file.size)}`));
  // Made once, so a button keeps the focus while the upload moves on.
  const retryName = h('span', { class: 'visually-hidden' });
  const removeName = h('span', { class: 'visually-hidden' });
  const retry = h('button', { type: 'button', class: 'button button-small', onclick: actions.retry }, 'Upload again', retryName);
  const remove = h('button', { type: 'button', class: 'button button-small button-ghost-danger', onclick: actions.remove }, 'Remove file', removeName);
  const pickerSlot = h('span', { class: 'file-choice' });
  const buttons = h('div', { class: 'upload-actions' }, retry, pickerSlot, remove);
  details.append(name, status, body, buttons);

  /** @param {string} text */
  const say = (text) => { if (status.textContent !== text) status.textContent = text; };
  /** The bar while bytes are sent, updated in place. */
  const bar = h('progress', { max: upload.file.size || 1, value: 0, 'aria-label': `Uploading ${upload.file.name}` });
  const sent = h('span', { class: 'small muted' });

  /** What the body shows once final, so it is not rebuilt (and its alert not read again) for nothing. */
  let shown = '';

  function update() {
    replace(thumbBox, thumb(upload));
    const final = upload.state === 'ready' || upload.state === 'failed' ? `${upload.state}|${upload.media?.id}|${upload.failure?.code}` : '';
    const fresh = final !== shown;
    shown = final;
    const failed = upload.state === 'failed';
    details.classList.toggle('is-failed', failed);
    details.closest('.media-row')?.classList.toggle('is-failed', failed);
    const media = upload.media;
    const fileName = upload.file.name;
    switch (upload.state) {
      case 'declaring':
        say('Preparing the upload…');
        replace(body, h('progress', { 'aria-label': `Uploading ${fileName}` }));
        break;
      case 'sending':
        say('Uploading…');
        bar.value = upload.sent;
        sent.textContent = ` ${formatBytes(upload.sent)} of ${formatBytes(upload.file.size)}`;
        if (!body.contains(bar)) replace(body, bar, sent);
        break;
      case 'processing':
        say(upload.kind === 'video' ? 'Checking the video…' : 'Converting for Instagram…');
        if (!body.querySelector('progress:not([value])')) replace(body, h('progress', { 'aria-label': `Converting ${fileName}` }));
        break;
      case 'ready': {
        if (!fresh) break;
        const result = media?.result;
        const size = result?.width && result?.height ? `${result.width} × ${result.height}` : '';
        say(['Ready', size, result ? formatBytes(result.bytes) : ''].filter(Boolean).join(' · '));
        replace(body, media ? h('p', { class: 'upload-note' }, changesText(media)) : null);
        break;
      }
      case 'failed': {
        if (!fresh) break;
        say('Not accepted');
        const why = upload.failure;
        replace(body,
          inlineError(why?.text ?? 'The file could not be uploaded.'),
          why?.detail || why?.code ? h('p', { class: 'hint' }, why.detail ? `Details: ${why.detail}` : '', why.code ? h('span', { class: 'code' }, ` (${why.code})`) : null) : null);
        break;
      }
    }
    const label = actions.label() ? ` ${actions.label()}` : '';
    for (const extra of [retryName, removeName]) if (extra.textContent !== label) extra.textContent = label;
    retry.hidden = !upload.retryable;
    actions.changed?.();
  }

  upload.onChange = update;
  update();
  /** Puts the file picker ("Choose another file") among the tile's buttons. @param {HTMLElement} picker */
  const setPicker = (picker) => replace(pickerSlot, picker);
  return { thumb: thumbBox, details, update, setPicker };
}
