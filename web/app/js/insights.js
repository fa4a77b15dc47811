// Account insights as hand-written SVG line charts: followers over time, reach and views per
// day. Each chart has a text summary and its numbers in a table for screen readers.

import { describeError, ApiError } from './api.js';
import { h, svg, replace, formatCompact, formatNumber, formatDate, nextId, inlineError } from './dom.js';

/**
 * @typedef {import('./main.js').Ctx} Ctx
 * @typedef {import('./api.js').Account} Account
 * @typedef {{ label: string, color: string, values: { date: string, value: number }[] }} Line
 */

const WIDTH = 520;
const HEIGHT = 240;
const PAD = { top: 14, right: 14, bottom: 30, left: 52 };

/** A round upper bound for an axis. @param {number} max */
function niceMax(max) {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * magnitude >= max) return step * magnitude;
  }
  return 10 * magnitude;
}

/** @param {string} date YYYY-MM-DD */
function shortDate(date) {
  const d = new Date(`${date}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/**
 * A line chart of one or more daily series.
 * @param {string} title
 * @param {Line[]} lines
 * @param {{ zeroBased?: boolean }} [options]
 */
export function lineChart(title, lines, options = {}) {
  const dates = [...new Set(lines.flatMap((l) => l.values.map((v) => v.date)))].sort();
  const all = lines.flatMap((l) => l.values.map((v) => v.value));
  const figure = h('figure', { class: 'chart-figure' });
  if (dates.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'No data for these days yet.'));
    return figure;
  }
  const zeroBased = options.zeroBased ?? true;
  let lo = zeroBased ? 0 : Math.min(...all);
  let hi = Math.max(...all);
  if (!zeroBased) {
    const span = Math.max(hi - lo, Math.max(1, hi * 0.02));
    lo = Math.max(0, Math.floor(lo - span * 0.2));
    hi = hi + span * 0.2;
  }
  hi = zeroBased ? niceMax(hi) : Math.ceil(hi);
  if (hi <= lo) hi = lo + 1;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  /** @param {string} date */
  const x = (date) => PAD.left + (dates.length === 1 ? innerW / 2 : (dates.indexOf(date) / (dates.length - 1)) * innerW);
  /** @param {number} value */
  const y = (value) => PAD.top + innerH - ((value - lo) / (hi - lo)) * innerH;

  const titleId = nextId('chart-title');
  const descId = nextId('chart-desc');
  const summary = lines.map((l) => {
    const first = l.values[0];
    const last = l.values[l.values.length - 1];
    if (!first || !last) return `${l.label}: no data`;
    const peak = l.values.reduce((a, b) => (b.value > a.value ? b : a));
    return `${l.label}: ${formatNumber(first.value)} on ${shortDate(first.date)}, ${formatNumber(last.value)} on ${shortDate(last.date)}, highest ${formatNumber(peak.value)} on ${shortDate(peak.date)}`;
  }).join('. ');

  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}` },
    svg('title', { id: titleId }, title),
    svg('desc', { id: descId }, summary));
  for (let i = 0; i <= 4; i += 1) {
    const value = lo + ((hi - lo) * i) / 4;
    const gy = y(value);
    chart.append(svg('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: gy, y2: gy }));
    chart.append(svg('text', { x: PAD.left - 8, y: gy + 4, 'text-anchor': 'end' }, hi - lo < 5000 ? formatNumber(Math.round(value)) : formatCompact(Math.round(value))));
  }
  const labelDates = dates.length <= 2 ? dates : [dates[0], dates[Math.floor((dates.length - 1) / 2)], dates[dates.length - 1]];
  labelDates.forEach((date, i) => {
    if (!date) return;
    const anchor = dates.length === 1 ? 'middle' : i === 0 ? 'start' : i === labelDates.length - 1 ? 'end' : 'middle';
    chart.append(svg('text', { x: x(date), y: HEIGHT - 8, 'text-anchor': anchor }, shortDate(date)));
  });
  for (const line of lines) {
    const points = line.values.map((v) => [x(v.date), y(v.value)]);
    if (points.length === 0) continue;
    const path = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px?.toFixed(1)},${py?.toFixed(1)}`).join(' ');
    if (lines.length === 1 && points.length > 1) {
      const baseY = y(lo).toFixed(1);
      const firstX = points[0]?.[0]?.toFixed(1);
      const lastX = points[points.length - 1]?.[0]?.toFixed(1);
      chart.append(svg('path', { class: 'area', d: `${path} L${lastX},${baseY} L${firstX},${baseY} Z`, fill: line.color }));
    }
    chart.append(svg('path', { class: 'line', d: path, stroke: line.color }));
    if (points.length <= 31) {
      for (const [px, py] of points) chart.append(svg('circle', { cx: px ?? 0, cy: py ?? 0, r: points.length === 1 ? 5 : 2.5, fill: line.color }));
    }
  }
  figure.append(chart);
  if (lines.length > 1) {
    figure.append(h('div', { class: 'legend', 'aria-hidden': 'true' }, ...lines.map((l) => h('span', { style: `--c:${l.color}` }, l.label))));
  }
  figure.append(h('details', {}, h('summary', {}, `${title}: the numbers`),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), ...lines.map((l) => h('th', { scope: 'col' }, l.label)))),
      h('tbody', {}, ...dates.map((date) => h('tr', {}, h('th', { scope: 'row' }, formatDate(`${date}T12:00:00Z`)),
        ...lines.map((l) => h('td', {}, formatNumber(l.values.find((v) => v.date === date)?.value))))))))));
  return figure;
}

/**
 * The account's charts.
 * @param {Ctx} ctx
 * @param {Account} account
 * @param {HTMLElement} container
 */
export async function renderInsights(ctx, account, container) {
  replace(container, h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading insights…'));
  /** @param {string} metric @param {import('./api.js').AccountInsights} data */
  const series = (metric, data) => data.data.find((s) => s.metric === metric)?.values ?? [];
  try {
    // The follower curve needs no insights scope; reach and views do.
    const followersPromise = ctx.api.insights(account.id, ['followers_count'], 30);
    const dailyPromise = ctx.api.insights(account.id, ['reach', 'views'], 30).catch((error) => error);
    const followers = await followersPromise;
    const daily = await dailyPromise;
    const followersCard = h('section', { class: 'panel chart-card', 'aria-labelledby': 'followers-title' },
      h('h3', { id: 'followers-title' }, 'Followers', h('span', { class: 'small muted' }, `${formatNumber(account.followers_count)} now`)),
      lineChart('Followers over time', [{ label: 'Followers', color: '#0f766e', values: series('followers_count', followers) }], { zeroBased: false }));
    /** @type {HTMLElement} */
    let dailyCard;
    if (daily instanceof Error) {
      dailyCard = h('section', { class: 'panel chart-card', 'aria-labelledby': 'daily-title' },
        h('h3', { id: 'daily-title' }, 'Reach and views per day'), inlineError(describeError(daily)));
    } else {
      dailyCard = h('section', { class: 'panel chart-card', 'aria-labelledby': 'daily-title' },
        h('h3', { id: 'daily-title' }, 'Reach and views per day', h('span', { class: 'small muted' }, `${formatDate(`${daily.since}T12:00:00Z`)} – ${formatDate(`${daily.until}T12:00:00Z`)}`)),
        lineChart('Reach and views per day', [
          { label: 'Reach', color: '#4338ca', values: series('reach', daily) },
          { label: 'Views', color: '#c0266d', values: series('views', daily) },
        ]));
    }
    replace(container, h('div', { class: 'two-col' }, followersCard, dailyCard));
  } catch (error) {
    replace(container, inlineError(error instanceof ApiError ? describeError(error) : 'Insights could not be loaded.'));
  }
}
