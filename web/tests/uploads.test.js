// Publishing from files, as a person does it in the composer against the real `igconnect
// serve`: a PNG picked with the file input is uploaded with a progress bar, converted (and
// the preview shows what Instagram gets) and published; files dropped on the media area
// fill a carousel, a panorama is refused in plain words until a fit is chosen, and the post
// is not sent meanwhile; a lost upload is sent again on request; a HEIC photo gets the
// advice to export it; a reel's cover is uploaded for the cover.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, crc32 } from 'node:zlib';
import { startServer, launchBrowser, openPage, axeViolations, screenshot } from './harness.js';

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof openPage>>} */
let tab;
/** @type {import('playwright-core').Page} */
let page;
/** The JSON bodies the page sent to the API, by "METHOD path". @type {{ what: string, body: any }[]} */
const sent = [];

/**
 * A PNG of horizontal colour bands (small once deflated, whatever its size).
 * @param {number} width
 * @param {number} height
 */
function png(width, height) {
  const colours = [[245, 133, 41], [221, 42, 123], [81, 91, 212], [255, 236, 179]];
  // One scanline per band (filter byte 0, then RGB pixels), repeated.
  const bands = colours.map(([r, g, b]) => {
    const line = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) line.set([r ?? 0, g ?? 0, b ?? 0], 1 + x * 3);
    return line;
  });
  const rows = [];
  for (let y = 0; y < height; y += 1) rows.push(/** @type {Buffer} */ (bands[Math.floor((y / height) * bands.length)]));
  /** @param {string} type @param {Buffer} data */
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/** 2000x1600: wider than Instagram's 1440, so the conversion shows. */
const LARGE = png(2000, 1600);
/** 3:1, outside the 4:5 to 1.91:1 of feed posts. Small pictures convert faster on a debug build. */
const PANORAMA = png(1800, 600);
const SQUARE = png(1080, 1080);

before(async () => {
  server = await startServer({ IGC_PUBLISH_WAIT_MS: '0' });
  browser = await launchBrowser();
  tab = await openPage(browser);
  page = tab.page;
  page.setDefaultTimeout(15000);
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && path.startsWith('/v1/')) sent.push({ what: `POST ${path}`, body: request.postDataJSON() });
  });
  await page.goto(`${server.origin}/`);
  await page.getByLabel('Company (tenant)').fill('acme');
  await page.getByLabel('Your user id').fill('alice');
  await page.getByLabel('Role').selectOption('owner');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('radio', { name: 'Me (alice)' }).check();
  await page.getByRole('button', { name: 'Connect with Facebook' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await card('sunrise.bakery').waitFor();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** @param {string} username */
const card = (username) => page.getByRole('article', { name: `@${username}` });

/** @param {string} username */
async function openComposerFor(username) {
  await card(username).getByRole('button', { name: 'Publish' }).click();
  const dialog = page.getByRole('dialog', { name: `Publish to @${username}` });
  await dialog.waitFor();
  return dialog;
}

/** The declarations (POST /v1/media bodies) sent so far. */
const declarations = () => sent.filter((s) => s.what === 'POST /v1/media').map((s) => s.body);
/** The posts sent so far. */
const posts = () => sent.filter((s) => /^POST \/v1\/accounts\/[^/]+\/posts$/.test(s.what)).map((s) => s.body);

/**
 * Drops files on an element the way a browser does: dragenter, dragover, drop, with a
 * DataTransfer holding them.
 * @param {import('playwright-core').Locator} target
 * @param {{ name: string, type: string, bytes: Buffer }[]} files
 */
async function drop(target, files) {
  const dataTransfer = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return transfer;
  }, files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString('base64') })));
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer });
}

test('a PNG chosen with the file input shows its progress and the converted preview, and is published', async () => {
  const dialog = await openComposerFor('sunrise.bakery');
  // Hold the upload a moment, to see the page while the bytes are on their way.
  /** @type {() => void} */
  let release = () => {};
  const held = new Promise((resolve) => { release = () => resolve(undefined); });
  await page.route('**/media-files/upload?*', async (route) => { await held; await route.continue(); });
  await dialog.getByLabel('Choose a file').setInputFiles({ name: 'bakery-window.png', mimeType: 'image/png', buffer: LARGE });
  await dialog.getByRole('progressbar', { name: 'Uploading bakery-window.png' }).waitFor();
  await dialog.getByRole('status').filter({ hasText: 'Uploading…' }).waitFor();
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('alert').filter({ hasText: '“bakery-window.png” is still being uploaded and converted. Publish once it says Ready.' }).waitFor();
  release();
  const preview = dialog.getByRole('img', { name: 'Preview of bakery-window.png as Instagram will get it' });
  await preview.waitFor();
  await page.unroute('**/media-files/upload?*');
  await dialog.getByRole('status').filter({ hasText: /^Ready · 1440 × 1152 · \d+ KB$/ }).waitFor();
  await dialog.getByText('Converted from PNG, resized from 2000x1600 to 1440x1152 pixels.').waitFor();
  assert.equal(await dialog.getByText('is still being uploaded').count(), 0, 'the message goes once the file is ready');
  await page.waitForFunction(() => {
    const img = /** @type {HTMLImageElement | null} */ (document.querySelector('dialog img.tile'));
    return img !== null && img.complete && img.naturalWidth === 1440 && img.naturalHeight === 1152;
  });
  assert.deepEqual(declarations(), [{ filename: 'bakery-window.png', content_type: 'image/png', size: LARGE.length, post_type: 'image', fit: 'refuse' }]);
  assert.equal(await dialog.getByLabel('Media URL').count(), 0, 'a file takes the address field’s place');
  await dialog.getByLabel('Alt text').fill('The bakery’s window in the morning');
  await dialog.getByLabel('Caption').fill('Our window, from a file');
  await screenshot(page, 'uploads-01-ready', dialog);
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('status').filter({ hasText: /^Published$/ }).waitFor();
  const body = posts().at(-1);
  assert.equal(posts().length, 1, 'sent once, after the file was ready');
  assert.deepEqual(body.media, [{ media_id: body.media[0].media_id, kind: 'image', alt_text: 'The bakery’s window in the morning' }]);
  assert.match(body.media[0].media_id, /^[0-9a-f-]{36}$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('files dropped on the media area fill a carousel; a panorama is refused in plain words until it is cropped', async () => {
  const dialog = await openComposerFor('sunrise.bakery');
  await dialog.getByRole('radio', { name: 'Carousel' }).check();
  const before = declarations().length;
  await drop(dialog.locator('.media-row').first(), [
    { name: 'counter.png', type: 'image/png', bytes: SQUARE },
    { name: 'harbour-panorama.png', type: 'image/png', bytes: PANORAMA },
  ]);
  await dialog.getByRole('img', { name: 'Preview of counter.png as Instagram will get it' }).waitFor();
  await dialog.getByRole('img', { name: 'harbour-panorama.png was not accepted' }).waitFor();
  const failed = dialog.locator('.media-row.is-failed');
  assert.equal(await failed.count(), 1, 'the refused tile is marked');
  await failed.getByRole('alert').filter({ hasText: 'Instagram does not take this picture’s shape for this type of post. Choose “Crop to fit” or “Pad” above' }).waitFor();
  assert.match(await failed.innerText(), /Details: The 1800x600 picture has an aspect ratio of 3\.00:1.*\(unsupported_aspect_ratio\)/s);
  assert.deepEqual(declarations().slice(before).map((d) => [d.filename, d.post_type, d.fit]), [['counter.png', 'carousel', 'refuse'], ['harbour-panorama.png', 'carousel', 'refuse']]);
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], 'axe on the composer with a ready and a refused tile');
  await screenshot(page, 'uploads-02-refused', dialog);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await dialog.evaluate((d) => d.scrollWidth - d.clientWidth);
  assert.ok(overflow <= 0, `the tiles fit a phone (${overflow}px too wide)`);
  await page.setViewportSize({ width: 1280, height: 900 });

  const sentPosts = posts().length;
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('alert').filter({ hasText: '“harbour-panorama.png” was not accepted, so the post cannot be sent. Remove it or choose another file.' }).waitFor();
  assert.equal(posts().length, sentPosts, 'nothing was sent');

  await dialog.getByRole('radio', { name: 'Crop to fit' }).check();
  await dialog.getByRole('img', { name: 'Preview of harbour-panorama.png as Instagram will get it' }).waitFor();
  await dialog.getByText('Converted from PNG, cropped to 1.91:1 (1146x600).').waitFor();
  assert.equal(await dialog.locator('.media-row.is-failed').count(), 0);
  assert.deepEqual(declarations().slice(before + 2).map((d) => [d.filename, d.post_type, d.fit]), [['harbour-panorama.png', 'carousel', 'crop']], 'only the refused picture is sent again');
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('status').filter({ hasText: /^Published$/ }).waitFor();
  assert.deepEqual(posts().at(-1).media.map((/** @type {any} */ m) => Object.keys(m).sort().join()), ['kind,media_id', 'kind,media_id']);
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('a lost upload can be sent again; a HEIC photo gets the advice to export it; a video is refused for an image post; a reel’s cover is uploaded for the cover', async () => {
  tab.expectProblem('unsupported_format');
  tab.expectProblem('post_type_mismatch');
  const dialog = await openComposerFor('sunrise.bakery');
  // The picker is in the tab order right after the samples, by its label's name.
  await dialog.getByRole('button', { name: 'Use the sourdough sample image' }).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => {
    const input = document.activeElement;
    return input instanceof HTMLInputElement && input.type === 'file' ? input.labels?.[0]?.textContent : null;
  }), 'Choose a file');

  // The connection drops while the bytes are sent: the same file is sent again on request.
  await page.route('**/media-files/upload?*', async (route) => {
    tab.expectAborted(route.request().url());
    await route.abort('failed');
  }, { times: 1 });
  await dialog.getByLabel('Choose a file').setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: png(400, 400) });
  await dialog.getByRole('alert').filter({ hasText: 'The server could not be reached. Check your connection and try again.' }).waitFor();
  await dialog.getByRole('button', { name: 'Upload again' }).click();
  await dialog.getByRole('img', { name: 'Preview of small.png as Instagram will get it' }).waitFor();
  await dialog.getByRole('button', { name: 'Remove file' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'file', 'the focus goes back to the file picker');

  const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic', 'ascii'), Buffer.alloc(64)]);
  await dialog.getByLabel('Choose a file').setInputFiles({ name: 'IMG_0420.HEIC', mimeType: 'image/heic', buffer: heic });
  await dialog.getByRole('alert').filter({ hasText: /^HEIC\/HEIF is not accepted: export the photo as JPEG \(on iPhone, Settings > Camera > Formats > Most Compatible\)/ }).waitFor();
  await dialog.getByText('(unsupported_format)').waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Upload again' }).count(), 0, 'sending the same file again cannot help');
  await screenshot(page, 'uploads-03-heic', dialog);
  await dialog.getByRole('button', { name: 'Remove file' }).click();
  await dialog.getByLabel('Media URL').waitFor();

  await dialog.getByLabel('Choose a file').setInputFiles({ name: 'clip.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(2048) });
  await dialog.getByRole('alert').filter({ hasText: 'An image post takes a picture, not a video. Choose Reel, Story or Carousel to publish a video.' }).waitFor();

  // A reel from an address, its cover from a file: declared for the cover, named by its id.
  await dialog.getByRole('radio', { name: 'Reel' }).check();
  await dialog.getByRole('button', { name: 'Remove file' }).click();
  await dialog.getByLabel('Media URL').fill('https://sandbox.igconnect.invalid/videos/latte-art.mp4');
  await dialog.getByLabel('Choose a cover image').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: png(900, 1600) });
  await dialog.getByRole('img', { name: 'Preview of cover.png as Instagram will get it' }).waitFor();
  assert.deepEqual(declarations().at(-1), { filename: 'cover.png', content_type: 'image/png', size: declarations().at(-1).size, post_type: 'reel_cover', fit: 'refuse' });
  await page.route('**/v1/accounts/*/posts', async (route) => {
    tab.expectAborted(route.request().url());
    await route.abort('failed');
  });
  await dialog.getByRole('button', { name: 'Publish now' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'The server could not be reached.' }).waitFor();
  await page.unroute('**/v1/accounts/*/posts');
  const reel = posts().at(-1);
  assert.deepEqual(reel.media, [{ url: 'https://sandbox.igconnect.invalid/videos/latte-art.mp4', kind: 'video' }]);
  assert.match(reel.options.cover_media_id, /^[0-9a-f-]{36}$/);
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('no console error and no page error', async () => {
  assert.deepEqual(await tab.errors(), []);
});
