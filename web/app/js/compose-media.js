// The composer's media: one box per item, each taking a file (dropped or chosen, then
// uploaded and converted) or a public address, with its preview and alt text; the samples,
// the fit choice for pictures outside Instagram's shapes, and the reel's cover.

import { h, replace, field, select, nextId, inlineError } from './dom.js';
import { MAX_ALT_TEXT_CHARS } from './caption.js';
import { SAMPLES, sampleUrl, previewSource } from './samples.js';
import { FileUpload, ACCEPT, targetFor, serves } from './uploads.js';
import { filePicker, dropZone, uploadTile } from './upload-tile.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').PostType} PostType
 * @typedef {import('./api.js').MediaItem} MediaItem
 * @typedef {import('./uploads.js').Fit} Fit
 * @typedef {{ url: string, kind: 'image' | 'video', alt: string, upload: FileUpload | null, tile: ReturnType<typeof uploadTile> | null }} Row
 */

/** What each type of post takes. @type {Record<PostType, { label: string, min: number, max: number, kinds: ('image' | 'video')[], caption: boolean, alt: boolean }>} */
export const TYPES = {
  image: { label: 'Image', min: 1, max: 1, kinds: ['image'], caption: true, alt: true },
  carousel: { label: 'Carousel', min: 2, max: 10, kinds: ['image', 'video'], caption: true, alt: true },
  reel: { label: 'Reel', min: 1, max: 1, kinds: ['video'], caption: true, alt: false },
  story: { label: 'Story', min: 1, max: 1, kinds: ['image', 'video'], caption: false, alt: false },
};

/** The fit choices for pictures outside the post type's shapes. @type {[import('./api.js').FitMode, string][]} */
const FITS = [['refuse', 'Refuse'], ['crop', 'Crop to fit'], ['pad', 'Pad']];

/** @returns {Row} */
function emptyRow() {
  return { url: '', kind: 'image', alt: '', upload: null, tile: null };
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
  if (!url) return h('div', { class: 'tile', 'aria-hidden': 'true' }, 'Drop a file here');
  if (row.kind === 'video') return h('div', { class: 'tile tile-video', role: 'img', 'aria-label': `Video ${index + 1}: ${fileName(url)}` }, fileName(url));
  const source = previewSource(url);
  if (!source) return h('div', { class: 'tile', role: 'img', 'aria-label': `Image ${index + 1}: ${fileName(url)}` }, fileName(url));
  const img = h('img', { class: 'tile', src: source, alt: row.alt || `Preview of image ${index + 1}`, width: 84, height: 84 });
  img.addEventListener('error', () => img.replaceWith(h('div', { class: 'tile', role: 'img', 'aria-label': `Image ${index + 1} could not be previewed` }, 'No preview')), { once: true });
  return img;
}

/**
 * The media section of a composer. `setType` shows it for a type of post (files prepared
 * for another type are uploaded again when they cannot serve it).
 * @param {Ctx} ctx
 */
export function composerMedia(ctx) {
  /** @type {PostType} */
  let type = 'image';
  /** @type {Row[]} */
  const rows = [emptyRow(), emptyRow()];
  /** The reel's cover image, uploaded. */
  const cover = emptyRow();
  /** @type {Fit} */
  const fit = { mode: 'refuse', color: '#ffffff' };

  const mediaBox = h('div', { class: 'media-rows' });
  const mediaError = h('div', {});
  dropZone(mediaBox, (files, target) => {
    const index = Number(target instanceof HTMLElement ? target.dataset.index : NaN);
    assignFiles(files, Number.isInteger(index) ? rows[index] : undefined);
  }, (element) => element.closest('.media-row'));

  const fitName = nextId('fit');
  const padColor = h('input', { type: 'color', name: 'pad_color', value: fit.color });
  const padField = field('Pad colour', padColor);
  padField.hidden = true;
  padColor.addEventListener('change', () => { fit.color = padColor.value; refit(); });
  const fitBox = h('div', { class: 'fit' },
    h('fieldset', { class: 'segmented' }, h('legend', {}, 'Uploaded pictures outside Instagram’s shapes'),
      ...FITS.map(([value, label]) => h('label', {},
        h('input', { type: 'radio', name: fitName, value, checked: value === fit.mode, onchange: () => { fit.mode = value; padField.hidden = value !== 'pad'; refit(); } }),
        label))),
    padField,
    h('p', { class: 'hint' }, 'Image posts and carousels take 4:5 (portrait) to 1.91:1 (landscape), stories and covers taller. Refuse keeps the picture whole and says so; Crop keeps its centre; Pad adds bands.'));
  const addButton = h('button', { type: 'button', class: 'button button-small' }, '+ Add media');
  addButton.addEventListener('click', () => {
    rows.push(emptyRow());
    renderRows();
    const inputs = mediaBox.querySelectorAll('input[type="url"]');
    /** @type {HTMLInputElement | undefined} */ (inputs[inputs.length - 1])?.focus();
  });

  const samples = h('div', { class: 'samples' }, h('span', { class: 'small muted' }, 'Use a sample:'),
    ...SAMPLES.map((s) => h('button', {
      type: 'button', class: 'button button-small', 'aria-label': `Use the ${s.label.toLowerCase()} sample image`,
      onclick: () => useSample(sampleUrl(s.file)),
    }, s.label)));

  const coverSlot = h('div', {});
  const coverError = h('div', {});
  dropZone(coverSlot, (files) => { attach(cover, /** @type {File} */ (files[0]), true); renderCover(); }, (element) => element.closest('.media-row'));
  const coverField = h('div', { class: 'field' }, h('span', { class: 'label' }, 'Cover image (optional)'),
    h('p', { class: 'hint' }, 'Shown before the reel plays; without one, Instagram picks a frame.'), coverSlot, coverError);

  /** @param {string} url */
  function useSample(url) {
    const t = TYPES[type];
    const visible = rows.slice(0, Math.max(t.min, type === 'carousel' ? rows.length : 1));
    let target = visible.find((r) => !r.url.trim() && !r.upload);
    if (!target) {
      if (type === 'carousel' && rows.length < t.max) {
        target = emptyRow();
        rows.push(target);
      } else {
        target = /** @type {Row} */ (rows[0]);
      }
    }
    detach(target);
    target.url = url;
    target.kind = 'image';
    renderRows();
  }

  function visibleRows() {
    return type === 'carousel' ? rows : rows.slice(0, 1);
  }

  /** The uploads the post would name now. */
  function uploadsInUse() {
    const used = visibleRows().map((r) => r.upload);
    if (type === 'reel') used.push(cover.upload);
    return used.filter((u) => u !== null);
  }

  /** What the accessible names of a row's buttons add ("for media 2"). @param {Row} row */
  function slotName(row) {
    if (row === cover) return 'for the cover';
    return type === 'carousel' ? `for media ${rows.indexOf(row) + 1}` : '';
  }

  /** The message that an upload keeps the post from being sent, while it holds. @type {{ upload: FileUpload, state: string, box: HTMLElement } | null} */
  let waitNote = null;

  /** @param {FileUpload} upload */
  function clearWaitNote(upload) {
    if (waitNote?.upload !== upload) return;
    waitNote.box.replaceChildren();
    waitNote = null;
  }

  /** Drops a row's file (its upload is abandoned and expires by itself). @param {Row} row */
  function detach(row) {
    row.upload?.cancel();
    row.upload = null;
    row.tile = null;
  }

  /**
   * Puts a file in a row and starts uploading it, prepared for the current type.
   * @param {Row} row
   * @param {File} file
   * @param {boolean} isCover
   */
  function attach(row, file, isCover) {
    detach(row);
    const upload = new FileUpload(ctx.api, file);
    row.upload = upload;
    row.kind = upload.kind;
    row.tile = uploadTile(upload, {
      label: () => slotName(row),
      retry: () => void upload.start(targetFor(type, isCover), fit),
      remove: () => {
        detach(row);
        clearWaitNote(upload);
        if (isCover) renderCover();
        else renderRows();
        focusPicker(row);
      },
      changed: () => { if (waitNote?.upload === upload && waitNote.state !== upload.state) clearWaitNote(upload); },
    });
    void upload.start(targetFor(type, isCover), fit);
  }

  /**
   * Puts the focus back on a row's file picker, after its box was drawn again (the
   * element that had it is gone).
   * @param {Row} row
   */
  function focusPicker(row) {
    const box = row === cover ? coverSlot : mediaBox.querySelector(`.media-row[data-index="${rows.indexOf(row)}"]`);
    /** @type {HTMLInputElement | null | undefined} */ (box?.querySelector('input[type="file"]'))?.focus();
  }

  /**
   * Files dropped or chosen: the first goes in `start` (the row they were dropped on or
   * picked for), the others in the empty rows after it, adding rows up to the carousel's
   * maximum.
   * @param {File[]} files
   * @param {Row} [start]
   */
  function assignFiles(files, start) {
    const t = TYPES[type];
    mediaError.replaceChildren();
    /** @type {Row[]} */
    const targets = [];
    if (type !== 'carousel') {
      targets.push(/** @type {Row} */ (rows[0]));
    } else {
      if (start) targets.push(start);
      for (const row of rows) if (row !== start && !row.url.trim() && !row.upload) targets.push(row);
      while (targets.length < files.length && rows.length < t.max) {
        const row = emptyRow();
        rows.push(row);
        targets.push(row);
      }
    }
    const placed = Math.min(files.length, targets.length);
    for (let i = 0; i < placed; i += 1) attach(/** @type {Row} */ (targets[i]), /** @type {File} */ (files[i]), false);
    const picked = mediaBox.contains(document.activeElement);
    renderRows();
    if (picked && targets[0]) focusPicker(targets[0]);
    const left = files.length - placed;
    if (left > 0) {
      replace(mediaError, inlineError(type === 'carousel'
        ? `A carousel holds at most ${t.max} items: ${left === 1 ? 'one file was' : `${left} files were`} left out.`
        : `${t.label} posts hold one file: only “${files[0]?.name}” is used.`));
    }
  }

  /** A file prepared for another type is uploaded again when it cannot serve this one. */
  function retarget() {
    /** @type {[Row, boolean][]} */
    const slots = visibleRows().map((r) => [r, false]);
    if (type === 'reel') slots.push([cover, true]);
    for (const [row, isCover] of slots) {
      const upload = row.upload;
      if (!upload) continue;
      const want = targetFor(type, isCover);
      if (upload.state === 'failed' ? upload.target === want : serves(upload.target, upload.kind, type, isCover)) continue;
      void upload.start(want, fit);
    }
  }

  /** Pictures refused for their shape are uploaded again with the new fit. */
  function refit() {
    /** @type {[Row, boolean][]} */
    const slots = visibleRows().map((r) => [r, false]);
    if (type === 'reel') slots.push([cover, true]);
    for (const [row, isCover] of slots) {
      if (row.upload?.refusedForShape) void row.upload.start(targetFor(type, isCover), fit);
    }
  }

  /** @param {Row} row */
  function acceptFor(row) {
    if (row === cover) return ACCEPT.image;
    return TYPES[type].kinds.map((k) => ACCEPT[k]).join(',');
  }

  function renderRows() {
    const t = TYPES[type];
    while (type === 'carousel' && rows.length < t.min) rows.push(emptyRow());
    const shown = visibleRows();
    replace(mediaBox, ...shown.map((row, index) => {
      if (!row.upload && !t.kinds.includes(row.kind)) row.kind = /** @type {'image' | 'video'} */ (t.kinds[0]);
      const n = type === 'carousel' ? ` ${index + 1}` : '';
      const context = type === 'carousel' ? `for media ${index + 1}` : '';
      const picker = filePicker(row.upload ? 'Choose another file' : 'Choose a file', context, acceptFor(row), type === 'carousel', (files) => assignFiles(files, row));
      /** @type {(HTMLElement | null)[]} */
      const parts = [];
      let tileBox;
      if (row.upload && row.tile) {
        row.tile.setPicker(picker);
        row.tile.update();
        tileBox = row.tile.thumb;
        parts.push(row.tile.details);
      } else {
        const box = h('div', {}, preview(row, index));
        tileBox = box;
        parts.push(h('div', { class: 'file-choice' }, picker, h('span', { class: 'hint' }, 'or drop it on this box')));
        const url = h('input', { type: 'url', name: 'media_url', value: row.url, placeholder: 'https://…', inputmode: 'url', autocomplete: 'off' });
        url.addEventListener('input', () => { row.url = url.value; });
        url.addEventListener('change', () => replace(box, preview(row, index)));
        parts.push(field(`Media URL${n}`, url));
        if (t.kinds.length > 1) {
          const kind = select({ name: 'kind' }, [['image', 'Image'], ['video', 'Video']], row.kind);
          kind.addEventListener('change', () => { row.kind = kind.value === 'video' ? 'video' : 'image'; renderRows(); });
          parts.push(field(`Kind${n}`, kind));
        }
      }
      if (t.alt && row.kind === 'image') {
        const alt = h('input', { type: 'text', name: 'alt_text', value: row.alt, maxlength: MAX_ALT_TEXT_CHARS });
        alt.addEventListener('input', () => { row.alt = alt.value; });
        parts.push(field(`Alt text${n}`, alt, 'Describes the image for people who cannot see it.'));
      }
      const remove = type === 'carousel' && rows.length > t.min
        ? h('button', { type: 'button', class: 'button button-small button-ghost-danger', onclick: () => { detach(row); rows.splice(index, 1); renderRows(); } }, `Remove media${n}`)
        : null;
      const failed = row.upload?.state === 'failed';
      return h('div', { class: failed ? 'media-row is-failed' : 'media-row', 'data-index': index }, tileBox, h('div', {}, ...parts, remove));
    }));
    addButton.hidden = type !== 'carousel' || rows.length >= t.max;
  }

  function renderCover() {
    coverError.replaceChildren();
    const picker = filePicker(cover.upload ? 'Choose another cover' : 'Choose a cover image', '', ACCEPT.image, false, (files) => {
      attach(cover, /** @type {File} */ (files[0]), true);
      renderCover();
      focusPicker(cover);
    });
    if (cover.upload && cover.tile) {
      cover.tile.setPicker(picker);
      cover.tile.update();
      replace(coverSlot, h('div', { class: cover.upload.state === 'failed' ? 'media-row is-failed' : 'media-row' }, cover.tile.thumb,
        h('div', {}, cover.tile.details)));
    } else {
      replace(coverSlot, h('div', { class: 'media-row' }, h('div', { class: 'tile', 'aria-hidden': 'true' }, 'Drop a picture here'),
        h('div', {}, h('div', { class: 'file-choice' }, picker, h('span', { class: 'hint' }, 'or drop it on this box')))));
    }
  }

  /** @param {PostType} next */
  function setType(next) {
    type = next;
    const t = TYPES[type];
    samples.hidden = !t.kinds.includes('image');
    fitBox.hidden = !t.kinds.includes('image') && type !== 'reel';
    retarget();
    renderRows();
    renderCover();
  }

  /**
   * Whether the media can be sent: every file ready, every box filled. Says why not, next
   * to the media, when not.
   */
  function check() {
    const t = TYPES[type];
    mediaError.replaceChildren();
    coverError.replaceChildren();
    waitNote = null;
    // A file still on its way, or refused, is never sent: the post would be refused too.
    const waiting = uploadsInUse().find((u) => u.state !== 'ready');
    if (waiting) {
      const name = waiting.file.name;
      const where = waiting === cover.upload ? coverError : mediaError;
      waitNote = { upload: waiting, state: waiting.state, box: where };
      replace(where, inlineError(waiting.state === 'failed'
        ? `“${name}” was not accepted, so the post cannot be sent. Remove it or choose another file.`
        : `“${name}” is still being uploaded and converted. Publish once it says Ready.`));
      return false;
    }
    if (items().some((m) => !m.url && !m.media_id)) {
      replace(mediaError, inlineError(t.max === 1 ? 'Add the media: drop or choose a file, give its address, or use a sample.' : 'Fill in every media box (a file or an address), or remove the empty ones.'));
      return false;
    }
    return true;
  }

  /** The post's media items. @returns {MediaItem[]} */
  function items() {
    const t = TYPES[type];
    return visibleRows().map((r) => {
      /** @type {MediaItem} */
      const item = r.upload ? { media_id: r.upload.mediaId ?? '', kind: r.upload.kind } : { url: r.url.trim(), kind: r.kind };
      if (t.alt && item.kind === 'image' && r.alt.trim()) item.alt_text = r.alt.trim();
      return item;
    });
  }

  return {
    elements: { samples, mediaBox, mediaError, addRow: h('div', { class: 'samples' }, addButton), fitBox, coverField },
    setType,
    check,
    items,
    /** The reel's uploaded cover, when it is ready. */
    coverMediaId: () => (type === 'reel' ? cover.upload?.mediaId ?? null : null),
    /** @param {Node} message */
    showError: (message) => replace(mediaError, message),
    /** Stops every upload (the composer closed). */
    cancel: () => { for (const row of [...rows, cover]) row.upload?.cancel(); },
  };
}
