// DOM helpers shared by every screen: element building, formatting, safe image URLs.

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 */

/**
 * Builds an element. Attributes starting with "on" are event listeners; `true` sets a
 * boolean attribute, `false`/`null`/`undefined` leaves it out. Text is never parsed as HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} parent
 * @param {...(Child | Child[])} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * An SVG element (charts, icons).
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(SVGElement | string)} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS('http://www.w3.org/2000/svg', tag));
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

/**
 * Whether the browser may load this URL into an `src`. The sandbox's pictures and media live
 * under `*.invalid` (RFC 2606), which never resolves: loading them would only put network
 * errors in the console, so they get a placeholder instead.
 * @param {string | null | undefined} url
 * @returns {url is string}
 */
export function loadable(url) {
  if (!url) return false;
  try {
    const parsed = new URL(url, location.href);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
    const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
    return !(host === 'invalid' || host.endsWith('.invalid'));
  } catch {
    return false;
  }
}

/**
 * Initials for an avatar placeholder ("Sunrise Bakery" -> "SB", "pixel.cafe" -> "PC").
 * @param {string} text
 */
export function initials(text) {
  const words = text.split(/[\s._-]+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => w[0]?.toUpperCase() ?? '');
  return letters.join('') || '?';
}

/**
 * A round profile picture, or the initials when the picture cannot be loaded.
 * @param {string | null | undefined} url
 * @param {string} name
 * @param {string} [size] CSS size
 */
export function avatar(url, name, size = '3rem') {
  if (loadable(url)) {
    return h('img', { class: 'avatar', src: url, alt: '', width: 48, height: 48, style: `--size:${size}` });
  }
  // A stable hue per name so accounts are told apart at a glance.
  let hue = 0;
  for (const ch of name) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  return h('span', { class: 'avatar avatar-initials', 'aria-hidden': 'true', style: `--size:${size};--hue:${hue}` }, initials(name));
}

const numberFormat = new Intl.NumberFormat(undefined);
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** @param {number | null | undefined} n */
export function formatNumber(n) {
  return n === null || n === undefined ? '—' : numberFormat.format(n);
}

/** @param {number} n */
export function formatCompact(n) {
  return compactFormat.format(n);
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** @param {string | null | undefined} iso */
export function formatDateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

/** @param {string | null | undefined} iso */
export function formatDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/**
 * "in 59 days", "3 hours ago".
 * @param {string | null | undefined} iso
 * @param {number} [now]
 */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const seconds = Math.round((t - now) / 1000);
  /** @type {[Intl.RelativeTimeFormatUnit, number][]} */
  const units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return relativeFormat.format(seconds, 'second');
}

/**
 * A `<time>` element showing a relative time, with the exact time as its title.
 * @param {string | null | undefined} iso
 * @param {'relative' | 'datetime' | 'date'} [style]
 */
export function time(iso, style = 'relative') {
  if (!iso) return h('span', {}, '—');
  const text = style === 'relative' ? formatRelative(iso) : style === 'date' ? formatDate(iso) : formatDateTime(iso);
  return h('time', { datetime: iso, title: formatDateTime(iso) }, text);
}

/**
 * Runs `work` with the button disabled and marked busy, so nothing is sent twice and the
 * person sees that something is happening. Other controls stay usable.
 * @template T
 * @param {HTMLButtonElement | null} button
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function busy(button, work) {
  if (!button) return work();
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.classList.add('is-busy');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.classList.remove('is-busy');
  }
}

let uid = 0;
/** A unique id for label/aria wiring. @param {string} prefix */
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A labelled form field.
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {string | Node} [hint]
 */
export function field(label, control, hint) {
  if (!control.id) control.id = nextId('f');
  /** @type {HTMLElement[]} */
  const children = [h('label', { for: control.id }, label), control];
  if (hint) {
    const hintId = nextId('hint');
    control.setAttribute('aria-describedby', hintId);
    children.push(h('p', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, ...children);
}

/**
 * A `<select>` with options.
 * @param {Attrs} attrs
 * @param {[string, string][]} options value and label
 * @param {string} [selected]
 */
export function select(attrs, options, selected) {
  return h('select', attrs, ...options.map(([value, label]) => h('option', { value, selected: value === selected }, label)));
}

/**
 * A modal `<dialog>` that removes itself when closed. Escape and the close button close it.
 * @param {string} title
 * @param {(dialog: HTMLDialogElement) => (Child | Child[])} body
 * @param {{ wide?: boolean, onClose?: () => void }} [options]
 */
export function openDialog(title, body, options = {}) {
  const titleId = nextId('dlg');
  const dialog = h('dialog', { class: options.wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId });
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: () => dialog.close() }, '✕');
  append(dialog, [h('header', { class: 'dialog-header' }, h('h2', { id: titleId }, title), close)]);
  const content = h('div', { class: 'dialog-body' });
  dialog.append(content);
  document.body.append(dialog);
  append(content, [body(dialog)]);
  dialog.addEventListener('close', () => {
    dialog.remove();
    options.onClose?.();
  });
  dialog.showModal();
  return dialog;
}

/**
 * Asks a yes/no question in a dialog.
 * @param {string} title
 * @param {string | Node} message
 * @param {string} confirmLabel
 * @param {{ danger?: boolean }} [options]
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, message, confirmLabel, options = {}) {
  return new Promise((resolve) => {
    let answer = false;
    openDialog(title, (dialog) => [
      h('p', {}, message),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Keep it'),
        h('button', {
          type: 'button',
          class: options.danger ? 'button button-danger' : 'button button-primary',
          onclick: () => { answer = true; dialog.close(); },
        }, confirmLabel)),
    ], { onClose: () => resolve(answer) });
  });
}

/**
 * A short message that goes away by itself, read out by screen readers.
 * @param {string} message
 * @param {'success' | 'error' | 'info'} [kind]
 */
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  region.append(item);
  setTimeout(() => item.remove(), 6000);
}

/**
 * An inline error next to the control that caused it.
 * @param {string} message
 */
export function inlineError(message) {
  return h('p', { class: 'inline-error', role: 'alert' }, message);
}
