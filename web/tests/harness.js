// What every browser test needs: a real `igconnect serve` (with its Meta sandbox) on a free
// port and a fresh data dir, Debian's Chromium driven by playwright-core, a watch on console
// errors and page errors, axe-core, and screenshots.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(repo, 'target');
export const screenshotDir = join(targetDir, 'web-e2e');

/**
 * Starts `igconnect serve --port 0` on a fresh data dir and waits for its first line.
 * @param {Record<string, string>} [env]
 * @returns {Promise<{ origin: string, stop: () => Promise<void>, logs: () => string }>}
 */
export async function startServer(env = {}) {
  const bin = process.env.IGCONNECT_BIN || join(targetDir, 'debug', 'igconnect');
  const dataDir = mkdtempSync(join(tmpdir(), 'igc-web-e2e-'));
  const child = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, IGC_WORKER_INTERVAL_MS: '300', IGC_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });
  const lines = createInterface({ input: child.stdout });
  const origin = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`igconnect serve did not start in 30 s:\n${output}`)), 30000);
    child.once('error', (error) => { clearTimeout(timer); reject(new Error(`cannot run ${bin}: ${error.message} (build it, or set IGCONNECT_BIN)`)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`igconnect serve exited with ${code}:\n${output}`)); });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /listening on (http:\/\/[^/\s]+)\//.exec(line);
      if (match?.[1]) resolvePromise(match[1]);
      else reject(new Error(`unexpected first line from igconnect serve: ${line}`));
    });
  });
  lines.on('line', (line) => { output += line + '\n'; });
  child.removeAllListeners('exit');
  return {
    origin: /** @type {string} */ (origin),
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        // The timer is cleared once the server is gone: left running, it would hold the
        // test process 5 s after its last test.
        /** @type {ReturnType<typeof setTimeout> | undefined} */
        let timer;
        await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 5000); })]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page that records console errors and page errors. An API problem answer the test asked
 * for (`expectProblem`) makes Chromium log "Failed to load resource: ... status of 4xx"; that
 * line is accepted only for a problem+json answer whose code was expected.
 * @param {import('playwright-core').Browser} browser
 * @param {{ width?: number, height?: number }} [viewport]
 */
export async function openPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport: { width: viewport.width ?? 1280, height: viewport.height ?? 900 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  /** @type {{ url: string, status: number, code: string }[]} */
  const problems = [];
  /** @type {Set<string>} */
  const expected = new Set();
  /** URLs whose requests a test aborts on purpose. @type {Set<string>} */
  const aborted = new Set();
  /** @type {Promise<void>[]} */
  const reads = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (response.status() >= 400 && type.includes('application/problem+json')) {
      reads.push(response.json().then((body) => { problems.push({ url: response.url(), status: response.status(), code: String(body.code) }); }, () => {}));
    }
  });
  /** @type {{ text: string, url: string }[]} */
  const networkErrors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (text.startsWith('Failed to load resource: net::ERR_FAILED') && aborted.has(message.location().url)) return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)) {
      networkErrors.push({ text, url: message.location().url });
      return;
    }
    errors.push(`console.error: ${text}`);
  });
  return {
    page,
    context,
    /** Accept API problem answers with this code from now on. @param {string} code */
    expectProblem(code) { expected.add(code); },
    /** Accept the network error of a request the test aborts. @param {string} url */
    expectAborted(url) { aborted.add(url); },
    /** Every console or page error seen so far, unexpected problem answers included. */
    async errors() {
      await Promise.all(reads);
      const unexpected = networkErrors.filter((e) => !problems.some((p) => p.url === e.url && expected.has(p.code)));
      return [...errors, ...unexpected.map((e) => `console.error: ${e.text} (${e.url}; codes seen: ${problems.filter((p) => p.url === e.url).map((p) => p.code).join(', ') || 'none'})`)];
    },
  };
}

const axeSource = readFileSync(join(here, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page; answers the serious and critical violations, described.
 * @param {import('playwright-core').Page} page
 */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline scripts) allows.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  /** @type {{ id: string, impact: string, help: string, nodes: { target: string[], failureSummary?: string }[] }[]} */
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is injected above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((/** @type {any} */ v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((/** @type {any} */ n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

/**
 * Saves a screenshot of the whole page, or of one element (a dialog).
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {import('playwright-core').Locator} [element]
 */
export async function screenshot(page, name, element) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  if (element) await element.screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
}

/**
 * Waits until `check` holds, polling; fails with `what` after `timeout` ms.
 * @param {() => Promise<boolean>} check
 * @param {string} what
 * @param {number} [timeout]
 */
export async function eventually(check, what, timeout = 15000) {
  const until = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
