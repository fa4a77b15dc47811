// Who is using the page, and the igconnect JWT that proves it. Locally (auth mode "dev") a
// person signs in as any tenant, user and role through `POST /dev/token`; in a deployment
// (mode "host") the host product supplies the JWT. Either way the token is igconnect's own
// JWT: an Instagram token never reaches the page.

import { ApiError } from './api.js';

/**
 * @typedef {import('./api.js').Config} Config
 * @typedef {'owner' | 'admin' | 'member'} Role
 * @typedef {{ tenant: string, user: string, role: Role }} Identity
 * @typedef {{ token: string, expires_at: string } & Identity} DevSession
 */

const STORAGE_KEY = 'igconnect.session';

/** @returns {Promise<Config>} */
export async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  /** @type {any} */
  const config = await response.json();
  if (typeof config !== 'object' || config === null) throw new Error('config.json is not an object');
  const base = typeof config.api_base === 'string' ? config.api_base : '';
  const auth = config.auth && config.auth.mode === 'host' && typeof config.auth.token_url === 'string'
    ? { mode: /** @type {const} */ ('host'), token_url: String(config.auth.token_url) }
    : { mode: /** @type {const} */ ('dev') };
  return { api_base: base, auth };
}

/** @param {Identity} identity */
export function canConnectForCompany(identity) {
  return identity.role === 'owner' || identity.role === 'admin';
}

/**
 * The claims of a JWT, without checking it (the API checks it; the page only shows who).
 * @param {string} jwt
 * @returns {Record<string, unknown>}
 */
export function claims(jwt) {
  const part = jwt.split('.')[1] ?? '';
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const value = JSON.parse(decodeURIComponent(Array.from(json, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('')));
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

/**
 * @param {Record<string, unknown>} c
 * @returns {Identity}
 */
function identityFromClaims(c) {
  const role = String(c.role ?? 'member');
  return {
    tenant: String(c.tenant_id ?? c.tenant ?? ''),
    user: String(c.sub ?? ''),
    role: role === 'owner' || role === 'admin' ? role : 'member',
  };
}

/** Dev mode: the session kept across the OAuth round trip, if still valid. @returns {DevSession | null} */
export function storedSession() {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    /** @type {DevSession} */
    const session = JSON.parse(raw);
    if (!session.token || new Date(session.expires_at).getTime() < Date.now() + 30000) {
      sessionStorage.removeItem(STORAGE_KEY);
      return null;
    }
    return session;
  } catch {
    return null;
  }
}

export function clearSession() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Dev mode: signs in as a tenant's user with a role.
 * @param {string} apiBase
 * @param {Identity} identity
 * @returns {Promise<DevSession>}
 */
export async function devSignIn(apiBase, identity) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(`${apiBase.replace(/\/+$/, '')}/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify(identity),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { code: 'network', detail: 'The server could not be reached.' });
  }
  const data = await response.json().catch(() => null);
  if (response.status === 404) {
    throw new ApiError(404, { code: 'not_found', detail: 'Development sign-in is off on this server (it is on by default on loopback only; see IGC_DEV_SIGN_IN). In a deployment, the host product signs people in.' });
  }
  if (!response.ok) {
    throw new ApiError(response.status, data && data.code ? data : { code: 'http_' + response.status, detail: `Sign-in failed (${response.status}).` });
  }
  /** @type {DevSession} */
  const session = {
    token: data.token,
    expires_at: data.expires_at,
    tenant: data.tenant ?? identity.tenant,
    user: data.user ?? identity.user,
    role: data.role ?? identity.role,
  };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  return session;
}

/**
 * Host mode: the host product's token, from `window.igconnectToken` when the embedding page
 * set it, else from `token_url` with the host's own session cookie. Cached until shortly
 * before it expires.
 * @param {string} tokenUrl
 */
export function hostTokenSource(tokenUrl) {
  /** @type {{ jwt: string, exp: number } | null} */
  let cached = null;
  /** @type {Promise<string> | null} */
  let inflight = null;

  async function fetchToken() {
    const provider = /** @type {any} */ (window).igconnectToken;
    if (typeof provider === 'function') return String(await provider());
    const response = await fetch(tokenUrl, { credentials: 'include', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`The host product did not give a token (${response.status}). Sign in to it again.`);
    const data = await response.json();
    if (typeof data?.token !== 'string') throw new Error('The host product answered without a token.');
    return data.token;
  }

  const source = {
    /** @returns {Promise<string>} */
    async token() {
      if (cached && cached.exp > Date.now() + 30000) return cached.jwt;
      inflight ??= fetchToken().finally(() => { inflight = null; });
      const jwt = await inflight;
      const exp = Number(claims(jwt).exp ?? 0) * 1000;
      cached = { jwt, exp: exp || Date.now() + 60000 };
      return jwt;
    },
    /** Forget the cached token (after the API refused it). */
    forget() {
      cached = null;
    },
    /** @returns {Promise<Identity>} */
    async identity() {
      return identityFromClaims(claims(await source.token()));
    },
  };
  return source;
}
