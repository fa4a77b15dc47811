// Files published from the person's computer: declared with POST /v1/media, sent with a PUT
// to the URL it answers (S3's on AWS: no Authorization, exactly its headers), followed with
// GET /v1/media/{id} until converted or refused; what each upload is prepared for, and what
// happened to it in plain words.

import { ApiError, describeError } from './api.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Upload} Upload
 * @typedef {import('./api.js').UploadTarget} UploadTarget
 * @typedef {import('./api.js').PostType} PostType
 * @typedef {import('./api.js').FitMode} FitMode
 * @typedef {{ mode: FitMode, color: string }} Fit
 * @typedef {'declaring' | 'sending' | 'processing' | 'ready' | 'failed'} UploadState
 * @typedef {{ code: string, text: string, detail: string }} Failure
 */

/** What the file picker offers. HEIC is offered so a phone photo gets the advice to export it. */
export const ACCEPT = {
  image: 'image/jpeg,image/png,image/webp,image/gif,.jpg,.jpeg,.png,.webp,.gif,.heic,.heif',
  video: 'video/mp4,video/quicktime,.mp4,.mov',
};

/** Content types by file name, for files the browser does not type (HEIC, MOV on some systems). */
const BY_EXTENSION = /** @type {Record<string, string>} */ ({
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif',
  heic: 'image/heic', heif: 'image/heif', mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime', qt: 'video/quicktime',
});

/** Headers a browser sets itself and refuses to be given (it would log an error). */
const BROWSER_HEADERS = new Set(['content-length', 'host', 'connection', 'accept-encoding', 'expect', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** How long a file may stay processing before the page stops waiting for it. */
const PROCESSING_WAIT_MS = 60000;

/** @param {File} file */
export function contentTypeOf(file) {
  if (file.type) return file.type;
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}

/** @param {string} contentType @returns {'image' | 'video'} */
export function kindOf(contentType) {
  return contentType.toLowerCase().startsWith('video/') ? 'video' : 'image';
}

/**
 * What a file is prepared for in a post of this type (the upload's `post_type`).
 * @param {PostType} type
 * @param {boolean} cover the reel's cover image
 * @returns {UploadTarget}
 */
export function targetFor(type, cover) {
  return cover ? 'reel_cover' : type;
}

/**
 * Whether a file prepared for `target` can be used in a post of `type` (the server's rule:
 * feed-shaped images go in image posts, carousels and stories; videos only in what they
 * were prepared for).
 * @param {UploadTarget} target
 * @param {'image' | 'video'} kind
 * @param {PostType} type
 * @param {boolean} cover
 */
export function serves(target, kind, type, cover) {
  if (cover) return target === 'reel_cover' || target === 'image' || target === 'story';
  if (type === 'reel') return target === 'reel';
  if (kind === 'video') return type !== 'image' && target === type;
  if (type === 'story') return target === 'story' || target === 'image' || target === 'carousel';
  return target === 'image' || target === 'carousel';
}

/** "converted from PNG" -> "Converted from PNG". @param {string} text */
function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/**
 * What was done to a file, as one sentence.
 * @param {Upload} media
 */
export function changesText(media) {
  if (media.changes.length) return `${sentence(media.changes.join(', '))}.`;
  return kindOf(media.content_type) === 'video' ? 'Sent to Instagram as it is.' : 'Nothing needed changing.';
}

/** @param {number} bytes */
export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1000 * 1000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1000 / 1000).toFixed(1)} MB`;
}

/** @type {Record<PostType | 'reel_cover', string>} */
const TARGET_NAMES = { image: 'An image post', carousel: 'A carousel', story: 'A story', reel: 'A reel', reel_cover: 'A reel’s cover' };

/**
 * Plain words for why a file was not taken, by its code.
 * @param {string} code
 * @param {'image' | 'video'} kind
 * @param {UploadTarget} target
 * @param {string} contentType
 */
function reason(code, kind, target, contentType) {
  const picture = kind === 'video' ? 'video' : 'picture';
  switch (code) {
    // For HEIC the server's own advice (how to export a JPEG) is the message.
    case 'unsupported_format': return /hei[cf]/i.test(contentType) ? '' : 'This kind of file cannot be published. Use a JPEG, PNG, WebP or GIF picture, or an MP4 or MOV video.';
    case 'post_type_mismatch': return kind === 'video'
      ? `${TARGET_NAMES[target]} takes a picture, not a video. Choose Reel, Story or Carousel to publish a video.`
      : `${TARGET_NAMES[target]} takes a video, not a picture. Choose Image, Story or Carousel to publish a picture.`;
    case 'file_too_large': return `The ${picture} is larger than Instagram takes for this type of post.`;
    case 'storage_quota_exceeded': return 'Your company’s file storage is full. Files no post uses are deleted a day after they were uploaded; try again later, or use a public address.';
    case 'unsupported_aspect_ratio': return kind === 'video'
      ? 'Instagram does not take this video’s shape for this type of post. Export it in another shape and upload it again.'
      : 'Instagram does not take this picture’s shape for this type of post. Choose “Crop to fit” or “Pad” above (it is uploaded again), or crop it yourself.';
    case 'content_type_mismatch': return `The file’s content is not what its name says. Export the ${picture} again (as ${kind === 'video' ? 'MP4' : 'JPEG or PNG'}) and upload that.`;
    case 'file_corrupt': return `The file is damaged or incomplete, so the ${picture} cannot be read. Export it again and upload the new file.`;
    case 'image_too_large': return 'The picture has too many pixels to be converted. Scale it down and upload it again.';
    case 'video_too_short': return 'The video is too short for this type of post.';
    case 'video_too_long': return 'The video is too long for this type of post.';
    case 'unsupported_codec': return 'Instagram takes H.264 or HEVC video with AAC sound. Export the video as an MP4 (H.264) and upload that.';
    case 'unsupported_frame_rate': return 'Instagram takes videos of 23 to 60 frames per second. Export it at 30 frames per second and upload it again.';
    case 'size_mismatch': return 'The file changed while it was being uploaded. Upload it again.';
    case 'upload_url_expired': return 'The upload took too long and its link expired. Upload it again.';
    case 'upload_already_used': return 'This upload was already sent. Upload the file again.';
    case 'invalid_filename': return 'The file’s name cannot be used. Rename the file and choose it again.';
    case 'upload_expired': return 'The file was deleted because no post used it in time. Upload it again.';
    case 'processing_timeout': return 'The file is still being converted after a minute. Upload it again, or try later.';
    default: return '';
  }
}

/**
 * Why a file was not taken: plain words first, the server's own explanation as detail.
 * @param {string} code
 * @param {string} detail
 * @param {FileUpload} upload
 * @param {unknown} [error]
 * @returns {Failure}
 */
function failure(code, detail, upload, error) {
  const text = reason(code, upload.kind, upload.target, upload.contentType) || (error ? describeError(error) : sentence(detail) || 'The file could not be uploaded.');
  return { code, text, detail: sentence(detail) === text ? '' : sentence(detail) };
}

/**
 * Codes the same file can never get past by being sent again (a fit or a type change
 * uploads it again by itself).
 */
const FINAL_CODES = new Set(['unsupported_format', 'invalid_filename', 'content_type_mismatch', 'file_corrupt', 'image_too_large',
  'file_too_large', 'video_too_short', 'video_too_long', 'unsupported_codec', 'unsupported_frame_rate', 'unsupported_aspect_ratio',
  'post_type_mismatch']);

/** @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }, { once: true });
  });
}

/**
 * Sends bytes with an XMLHttpRequest (fetch has no upload progress), with exactly the
 * headers given and no credentials.
 * @param {{ url: string, method: string, headers: Record<string, string> }} target
 * @param {File} file
 * @param {(sent: number) => void} onProgress
 * @param {AbortSignal} signal
 * @returns {Promise<{ status: number, text: string, type: string }>}
 */
function send(target, file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method || 'PUT', target.url);
    for (const [name, value] of Object.entries(target.headers ?? {})) {
      if (!BROWSER_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (event) => onProgress(event.loaded));
    xhr.addEventListener('load', () => resolve({ status: xhr.status, text: xhr.responseText, type: xhr.getResponseHeader('content-type') ?? '' }));
    xhr.addEventListener('error', () => reject(new ApiError(0, { code: 'network' })));
    xhr.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** One file on its way to being publishable. `onChange` is called on every step. */
export class FileUpload {
  /**
   * @param {Api} api
   * @param {File} file
   */
  constructor(api, file) {
    this.api = api;
    this.file = file;
    this.contentType = contentTypeOf(file);
    this.kind = kindOf(this.contentType);
    /** @type {UploadTarget} */
    this.target = 'image';
    /** @type {UploadState} */
    this.state = 'declaring';
    /** Bytes sent so far. */
    this.sent = 0;
    /** @type {Upload | null} */
    this.media = null;
    /** @type {Failure | null} */
    this.failure = null;
    /** @type {() => void} */
    this.onChange = () => {};
    this.controller = new AbortController();
  }

  /** The ready media's id, for a post. */
  get mediaId() {
    return this.state === 'ready' ? this.media?.id ?? null : null;
  }

  /** Whether the picture was refused for its shape (a fit choice can change that). */
  get refusedForShape() {
    return this.state === 'failed' && this.kind === 'image' && this.failure?.code === 'unsupported_aspect_ratio';
  }

  /** Whether sending the same file again may work (a network error, an expired link...). */
  get retryable() {
    return this.state === 'failed' && !FINAL_CODES.has(this.failure?.code ?? '');
  }

  cancel() {
    this.controller.abort();
  }

  /**
   * Uploads the file for `target` (again, when it was uploaded before: the earlier upload
   * is dropped and expires by itself).
   * @param {UploadTarget} target
   * @param {Fit} fit
   */
  async start(target, fit) {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    const { signal } = controller;
    this.target = target;
    this.state = 'declaring';
    this.sent = 0;
    this.media = null;
    this.failure = null;
    this.onChange();
    try {
      /** @type {import('./api.js').UploadRequest} */
      const request = { filename: this.file.name, content_type: this.contentType, size: this.file.size, post_type: target };
      if (this.kind === 'image') {
        request.fit = fit.mode;
        if (fit.mode === 'pad') request.pad_color = fit.color;
      }
      const declared = await this.api.createUpload(request);
      if (signal.aborted) return;
      this.media = declared.media;
      this.state = 'sending';
      this.onChange();
      const answer = await send(declared.upload, this.file, (sent) => { this.sent = sent; this.onChange(); }, signal);
      if (answer.status < 200 || answer.status > 299) {
        /** @type {{ code?: string, detail?: string }} */
        let problem = {};
        try { problem = JSON.parse(answer.text); } catch { /* S3 answers XML */ }
        const code = problem.code ?? (answer.status === 403 ? 'upload_url_expired' : `http_${answer.status}`);
        this.fail(failure(code, problem.detail ?? `The upload was answered ${answer.status}.`, this));
        return;
      }
      this.sent = this.file.size;
      this.state = 'processing';
      this.onChange();
      await this.follow(declared.id, signal);
    } catch (error) {
      if (signal.aborted) return;
      const code = error instanceof ApiError ? error.code : 'network';
      const detail = error instanceof ApiError ? error.problem.detail ?? '' : '';
      this.fail(failure(code, detail, this, error));
    }
  }

  /**
   * Polls the media every second until it is ready or refused; gives up after a minute.
   * @param {string} id
   * @param {AbortSignal} signal
   */
  async follow(id, signal) {
    const until = Date.now() + PROCESSING_WAIT_MS;
    let errors = 0;
    for (;;) {
      try {
        const media = await this.api.upload(id, signal);
        if (signal.aborted) return;
        errors = 0;
        this.media = media;
        if (media.status === 'ready') {
          this.state = 'ready';
          this.onChange();
          return;
        }
        if (media.status === 'rejected' || media.status === 'expired') {
          const code = media.rejection?.code ?? 'upload_expired';
          this.fail(failure(code, media.rejection?.message ?? '', this));
          return;
        }
        this.onChange();
      } catch (error) {
        if (signal.aborted) return;
        errors += 1;
        if (errors > 5) throw error;
      }
      if (Date.now() > until) {
        this.fail(failure('processing_timeout', '', this));
        return;
      }
      await sleep(1000, signal);
      if (signal.aborted) return;
    }
  }

  /** @param {Failure} why */
  fail(why) {
    this.state = 'failed';
    this.failure = why;
    this.onChange();
  }
}
