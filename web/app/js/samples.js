// The sample images shipped with the page, and what to load to preview a media address.

import { loadable } from './dom.js';

export const SAMPLES = [
  { file: 'croissant.svg', label: 'Croissant' },
  { file: 'cafe.svg', label: 'Cafe' },
  { file: 'sunset.svg', label: 'Sunset' },
  { file: 'sourdough.svg', label: 'Sourdough' },
];

/** Where the page's own sample images are served from. */
const SAMPLE_PATH = /^\/samples\/([a-z0-9-]+\.svg)$/;

/**
 * A sample's address for a post. Instagram needs HTTPS: behind HTTPS the page's own copy is
 * used (Meta downloads it); on a plain-HTTP local server the sandbox's never-fetched host
 * stands in, since the sandbox checks the address but never downloads it.
 * @param {string} file
 */
export function sampleUrl(file) {
  return location.protocol === 'https:' ? `${location.origin}/samples/${file}` : `https://sandbox.igconnect.invalid/samples/${file}`;
}

/**
 * What to load to preview an image address: the page's own copy of a sample, the address
 * itself when the browser can load it, else nothing.
 * @param {string} url
 * @returns {string | null}
 */
export function previewSource(url) {
  try {
    const parsed = new URL(url);
    const sample = SAMPLE_PATH.exec(parsed.pathname);
    if (sample && (parsed.host === location.host || parsed.hostname === 'sandbox.igconnect.invalid')) {
      return new URL(`samples/${sample[1]}`, location.href).href;
    }
    return loadable(url) && /^https?:$/.test(parsed.protocol) ? url : null;
  } catch {
    return null;
  }
}
