// The igconnect API client: one place that adds the bearer token, reads problem details and
// knows the shapes the page uses (openapi.yaml is the reference).

/**
 * @typedef {{ type: 'user', user_id: string } | { type: 'company' }} Owner
 * @typedef {'view' | 'publish' | 'manage'} Permission
 * @typedef {'none' | 'view' | 'publish'} MemberAccess
 * @typedef {{ user_id: string, permission: Permission, granted_by: string, granted_at: string }} Grant
 * @typedef {{
 *   id: string, ig_user_id: string, username: string, name?: string,
 *   profile_picture_url?: string, followers_count?: number, follows_count?: number,
 *   media_count?: number, account_type?: string, biography?: string, website?: string,
 *   login: 'facebook' | 'instagram', owner: Owner, permission: Permission,
 *   member_access?: MemberAccess, grants?: Grant[],
 *   status: 'active' | 'needs_reauth' | 'revoked',
 *   token_expires_at: string | null, last_refreshed_at: string | null, last_error: string | null,
 *   data_access_expires_at?: string, features: string[],
 *   connected_at: string, connected_by: string, updated_at: string
 * }} Account
 * @typedef {{ url?: string, media_id?: string, kind: 'image' | 'video', alt_text?: string | null }} MediaItem
 * @typedef {'image' | 'carousel' | 'reel' | 'story'} PostType
 * @typedef {PostType | 'reel_cover'} UploadTarget what an uploaded file is prepared for
 * @typedef {'refuse' | 'crop' | 'pad'} FitMode
 * @typedef {{ filename: string, content_type: string, size: number, post_type?: UploadTarget, fit?: FitMode, pad_color?: string }} UploadRequest
 * @typedef {'uploading' | 'processing' | 'ready' | 'rejected' | 'expired'} UploadStatus
 * @typedef {{
 *   id: string, status: UploadStatus, filename: string, content_type: string, size: number,
 *   post_type: UploadTarget, fit?: { mode: FitMode, rgb?: number[] },
 *   found?: { format: string, bytes: number, width?: number, height?: number, duration_ms?: number, frame_rate?: number, video_codec?: string, audio_codec?: string, had_metadata: boolean },
 *   result?: { content_type: string, bytes: number, width?: number, height?: number, preview_url?: string },
 *   changes: string[], rejection?: { code: string, message: string },
 *   posts?: number, created_at?: string, updated_at?: string, expires_at?: string
 * }} Upload
 * @typedef {{ id: string, status: 'uploading', upload: { url: string, method: string, headers: Record<string, string> }, expires_at: string, media: Upload }} NewUpload
 * @typedef {'scheduled' | 'processing' | 'published' | 'failed' | 'unconfirmed' | 'canceled'} PostStatus
 * @typedef {{
 *   id: string, account_id: string, type: PostType, status: PostStatus, media: MediaItem[],
 *   caption?: string, publish_at?: string, media_id?: string, permalink?: string,
 *   failure?: { code: string, message: string }, created_by: string, created_at: string,
 *   updated_at: string, published_at?: string
 * }} Post
 * @typedef {{ type: PostType, media: MediaItem[], caption?: string, publish_at?: string, options?: Record<string, unknown> }} PostRequest
 * @typedef {{ metric: string, period: string, values: { date: string, value: number }[] }} Series
 * @typedef {{ account_id: string, since: string, until: string, data: Series[], days_from_snapshots?: number, days_from_meta?: number }} AccountInsights
 * @typedef {{
 *   id: string, media_type?: string, media_product_type?: string, caption?: string, permalink?: string,
 *   media_url?: string, thumbnail_url?: string, timestamp?: string, like_count?: number, comments_count?: number
 * }} Media
 * @typedef {{ media: Record<string, unknown>, data: { metric: string, period: string, value: number }[] }} MediaInsights
 * @typedef {{ id: string, text: string, username?: string, timestamp?: string, like_count?: number, hidden: boolean, parent_id?: string, replies?: Comment[] }} Comment
 * @typedef {{ type?: string, title?: string, status?: number, code: string, detail?: string, post?: Post, scope?: string, action?: string }} Problem
 * @typedef {{ api_base: string, auth: { mode: 'dev' } | { mode: 'host', token_url: string } }} Config
 */

/** An error answer of the API (RFC 9457 problem details), or a network failure. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the request never got an answer
   * @param {Problem} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || problem.code);
    this.status = status;
    this.problem = problem;
    this.code = problem.code;
  }
}

/**
 * Plain words for the codes a person meets; the API's `detail` is shown for the others.
 * @type {Record<string, string>}
 */
const FRIENDLY = {
  unauthorized: 'Your session has ended. Sign in again.',
  permission_denied: 'You do not have permission to do that on this account.',
  account_not_found: 'This account is no longer connected, or you no longer have access to it.',
  return_to_not_allowed: 'This page’s address is not allowed to receive logins. Add its origin to the stack’s AllowedReturnOrigins (IGC_ALLOWED_RETURN_ORIGINS).',
  login_not_configured: 'This login path is not configured on the server.',
  media_fetch_failed: 'Instagram could not download the media. Use a public HTTPS address that answers the file directly, without a login or an expired signature.',
  unsupported_aspect_ratio: 'Instagram does not accept this picture’s shape. Use an aspect ratio between 4:5 and 1.91:1 (a square always works).',
  image_too_large: 'The image is too large for Instagram (8 MB at most).',
  unsupported_image_format: 'Instagram accepts JPEG images only for this post.',
  unsupported_video_format: 'Instagram does not accept this video’s format. Use an MP4 (H.264, AAC).',
  media_expired: 'Instagram took too long to receive the media. Try publishing again.',
  media_processing_failed: 'Instagram could not process the media. Check the file and try again.',
  publishing_limit_reached: 'This account reached Instagram’s limit of posts per 24 hours. Try again later or schedule the post.',
  rate_limited: 'Instagram is throttling requests right now. Wait a few minutes and try again.',
  token_invalid: 'Instagram no longer accepts this account’s login. Reconnect the account, then try again.',
  account_needs_reauth: 'This account needs to be reconnected before it can be used.',
  meta_unavailable: 'Instagram is not answering right now. Try again in a moment.',
  meta_error: 'Instagram refused the request.',
  storage_unavailable: 'igconnect cannot reach its storage right now. Try again in a moment.',
  internal_error: 'Something went wrong on the server. Try again; if it keeps happening, contact support.',
  post_already_published: 'This post was already published, so it can no longer be canceled.',
  post_not_cancelable: 'This post is being published and can no longer be canceled.',
  idempotency_key_reused: 'This submission was changed after it was sent. Submit it again as a new post.',
  publish_at_in_past: 'The scheduled time is in the past. Pick a time in the future.',
  grantee_is_owner: 'This person owns the account already.',
  upload_not_ready: 'A file is still being uploaded or converted. Publish once every file says it is ready.',
  upload_rejected: 'A file was not accepted. Remove it or upload another one, then publish.',
  upload_expired: 'A file was deleted because no post used it in time. Upload it again.',
  upload_not_found: 'A file is no longer there. Upload it again.',
  upload_kind_mismatch: 'A file is not the kind (image or video) the post says. Upload it again.',
  upload_target_mismatch: 'A file was prepared for another type of post. Upload it again for this one.',
  storage_quota_exceeded: 'Your company’s file storage is full. Files no post uses are deleted a day after they were uploaded; try again later, or publish from a public address.',
  media_not_configured: 'Uploading files is not set up on this server. Use a public HTTPS address instead.',
  network: 'The server could not be reached. Check your connection and try again.',
};

/**
 * What to tell a person about an error: a friendly sentence for known codes, otherwise the
 * API's own detail.
 * @param {unknown} error
 */
export function describeError(error) {
  if (error instanceof ApiError) {
    if (error.code === 'scope_not_granted') {
      return `This account was connected without the permission this needs${error.problem.scope ? ` (${error.problem.scope})` : ''}. Reconnect it and leave every permission ticked.`;
    }
    const friendly = FRIENDLY[error.code];
    if (friendly) return friendly;
    return error.problem.detail || error.problem.title || `The request failed (${error.code}).`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** @typedef {() => Promise<string>} TokenSource */

export class Api {
  /**
   * @param {string} base the API's origin and path prefix ("" for the page's own origin)
   * @param {TokenSource} token
   * @param {() => void} onUnauthorized called when the API refuses the token
   */
  constructor(base, token, onUnauthorized) {
    this.base = base.replace(/\/+$/, '');
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  /**
   * @param {string} method
   * @param {string} path starting with /v1/
   * @param {{ body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {Promise<{ status: number, data: any }>}
   */
  async request(method, path, options = {}) {
    const headers = new Headers(options.headers);
    headers.set('Accept', 'application/json, application/problem+json');
    headers.set('Authorization', `Bearer ${await this.token()}`);
    /** @type {RequestInit} */
    const init = { method, headers, signal: options.signal, cache: 'no-store' };
    if (options.body !== undefined) {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(options.body);
    }
    /** @type {Response} */
    let response;
    try {
      response = await fetch(this.base + path, init);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(0, { code: 'network', detail: FRIENDLY.network });
    }
    const text = await response.text();
    /** @type {any} */
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const problem = data && typeof data.code === 'string'
        ? /** @type {Problem} */ (data)
        : { code: 'http_' + response.status, detail: `The server answered ${response.status} ${response.statusText}.` };
      if (response.status === 401) this.onUnauthorized();
      throw new ApiError(response.status, problem);
    }
    return { status: response.status, data };
  }

  /** @param {string} path */
  async get(path) {
    return (await this.request('GET', path)).data;
  }

  /** @returns {Promise<Account[]>} every account the caller may view, all pages */
  async accounts() {
    /** @type {Account[]} */
    const all = [];
    let cursor = '';
    for (let page = 0; page < 50; page += 1) {
      const query = new URLSearchParams({ limit: '100' });
      if (cursor) query.set('cursor', cursor);
      const data = await this.get(`/v1/accounts?${query}`);
      all.push(...data.data);
      if (!data.next_cursor) break;
      cursor = data.next_cursor;
    }
    return all;
  }

  /** @param {string} id @returns {Promise<Account>} */
  account(id) {
    return this.get(`/v1/accounts/${encodeURIComponent(id)}`);
  }

  /**
   * @param {'facebook' | 'instagram'} login
   * @param {'user' | 'company'} owner
   * @param {string} returnTo
   * @returns {Promise<{ authorization_url: string, expires_at: string }>}
   */
  async initiate(login, owner, returnTo) {
    const { data } = await this.request('POST', '/v1/connections/instagram/initiate', {
      body: { login, return_to: returnTo, owner },
    });
    return data;
  }

  /** Checks the token at Meta now and syncs the profile. @param {string} id @returns {Promise<Account>} */
  async sync(id) {
    return (await this.request('POST', `/v1/accounts/${encodeURIComponent(id)}/sync`)).data;
  }

  /** @param {string} id */
  async disconnect(id) {
    await this.request('DELETE', `/v1/accounts/${encodeURIComponent(id)}`);
  }

  /**
   * @param {string} id
   * @param {{ owner?: Owner, member_access?: MemberAccess }} change
   * @returns {Promise<Account | null>} null when the caller no longer sees the account
   */
  async updateAccount(id, change) {
    const { status, data } = await this.request('PATCH', `/v1/accounts/${encodeURIComponent(id)}`, { body: change });
    return status === 204 ? null : data;
  }

  /** @param {string} id @returns {Promise<Grant[]>} */
  async grants(id) {
    return (await this.get(`/v1/accounts/${encodeURIComponent(id)}/grants`)).data;
  }

  /** @param {string} id @param {string} user @param {Permission} permission @returns {Promise<Grant>} */
  async setGrant(id, user, permission) {
    const { data } = await this.request('PUT', `/v1/accounts/${encodeURIComponent(id)}/grants/${encodeURIComponent(user)}`, { body: { permission } });
    return data;
  }

  /** @param {string} id @param {string} user */
  async removeGrant(id, user) {
    await this.request('DELETE', `/v1/accounts/${encodeURIComponent(id)}/grants/${encodeURIComponent(user)}`);
  }

  /**
   * @param {string} id
   * @param {PostRequest} post
   * @param {string} idempotencyKey
   * @returns {Promise<{ status: number, post: Post }>}
   */
  async createPost(id, post, idempotencyKey) {
    const { status, data } = await this.request('POST', `/v1/accounts/${encodeURIComponent(id)}/posts`, {
      body: post,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    return { status, post: data };
  }

  /** @param {string} id @returns {Promise<{ data: Post[], next_cursor: string | null }>} */
  posts(id, cursor = '') {
    const query = new URLSearchParams({ limit: '20' });
    if (cursor) query.set('cursor', cursor);
    return this.get(`/v1/accounts/${encodeURIComponent(id)}/posts?${query}`);
  }

  /** @param {string} id @param {string} postId @param {AbortSignal} [signal] @returns {Promise<Post>} */
  async post(id, postId, signal) {
    return (await this.request('GET', `/v1/accounts/${encodeURIComponent(id)}/posts/${encodeURIComponent(postId)}`, { signal })).data;
  }

  /** @param {string} id @param {string} postId @returns {Promise<Post>} */
  async cancelPost(id, postId) {
    return (await this.request('DELETE', `/v1/accounts/${encodeURIComponent(id)}/posts/${encodeURIComponent(postId)}`)).data;
  }

  /** Declares a file to upload; the answer says where to send it. @param {UploadRequest} request @returns {Promise<NewUpload>} */
  async createUpload(request) {
    return (await this.request('POST', '/v1/media', { body: request })).data;
  }

  /** Where an uploaded file stands. @param {string} id @param {AbortSignal} [signal] @returns {Promise<Upload>} */
  async upload(id, signal) {
    return (await this.request('GET', `/v1/media/${encodeURIComponent(id)}`, { signal })).data;
  }

  /** @param {string} id @param {string} postId @returns {Promise<MediaInsights>} */
  postInsights(id, postId) {
    return this.get(`/v1/accounts/${encodeURIComponent(id)}/posts/${encodeURIComponent(postId)}/insights`);
  }

  /**
   * @param {string} id
   * @param {string[]} metrics
   * @param {number} days
   * @returns {Promise<AccountInsights>}
   */
  insights(id, metrics, days = 30) {
    const until = new Date();
    const since = new Date(until.getTime() - (days - 1) * 86400000);
    const query = new URLSearchParams({
      metrics: metrics.join(','),
      since: since.toISOString().slice(0, 10),
      until: until.toISOString().slice(0, 10),
      period: 'day',
    });
    return this.get(`/v1/accounts/${encodeURIComponent(id)}/insights?${query}`);
  }

  /** @param {string} id @returns {Promise<{ data: Media[], next_cursor?: string }>} */
  media(id, cursor = '') {
    const query = new URLSearchParams({ limit: '12' });
    if (cursor) query.set('cursor', cursor);
    return this.get(`/v1/accounts/${encodeURIComponent(id)}/media?${query}`);
  }

  /** @param {string} id @param {string} mediaId @returns {Promise<MediaInsights>} */
  mediaInsights(id, mediaId) {
    return this.get(`/v1/accounts/${encodeURIComponent(id)}/media/${encodeURIComponent(mediaId)}/insights`);
  }

  /** @param {string} id @param {string} mediaId @returns {Promise<{ data: Comment[], next_cursor?: string }>} */
  comments(id, mediaId) {
    return this.get(`/v1/accounts/${encodeURIComponent(id)}/media/${encodeURIComponent(mediaId)}/comments?limit=50`);
  }

  /** @param {string} id @param {string} mediaId @param {string} commentId @param {string} message @returns {Promise<Comment>} */
  async reply(id, mediaId, commentId, message) {
    const path = `/v1/accounts/${encodeURIComponent(id)}/media/${encodeURIComponent(mediaId)}/comments/${encodeURIComponent(commentId)}/replies`;
    return (await this.request('POST', path, { body: { message } })).data;
  }

  /** @param {string} id @param {string} mediaId @param {string} commentId @param {boolean} hidden @returns {Promise<Comment>} */
  async setHidden(id, mediaId, commentId, hidden) {
    const path = `/v1/accounts/${encodeURIComponent(id)}/media/${encodeURIComponent(mediaId)}/comments/${encodeURIComponent(commentId)}/${hidden ? 'hide' : 'unhide'}`;
    return (await this.request('POST', path)).data;
  }
}
