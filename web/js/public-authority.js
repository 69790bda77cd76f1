// One authority's page (`authority.html?key=…`): how it keeps the service promise, as small
// charts with the same figures in tables, and its most recent public reports.
import { ApiProblem, getJson } from './api.js';
import { $, el } from './dom.js';
import { tr } from './i18n.js';
import { LIGHTS, lightBadge, lightName } from './lights.js';
import { initPage } from './page.js';
import { barChart, ringChart } from './public-charts.js';
import { formatNumber, formatPercent } from './public-common.js';
import { reportList } from './public-list.js';

initPage('Behörde', 'Authority');

async function start() {
  const key = new URLSearchParams(location.search).get('key')?.trim() ?? '';
  if (!key) return showNotFound();
  let stats;
  try {
    stats = await getJson(`/api/v1/authorities/${encodeURIComponent(key)}/stats`);
  } catch (problem) {
    // A malformed key is a 400 here; for the reader it is the same as an unknown one.
    if (problem instanceof ApiProblem && (problem.status === 404 || problem.status === 400)) return showNotFound();
    $('loading').hidden = true;
    const error = $('load-error');
    error.textContent = `${tr('Die Statistik konnte nicht geladen werden: ', 'The statistics could not be loaded: ')}${problem.readerMessage?.() ?? problem}`;
    error.hidden = false;
    return undefined;
  }
  render(stats);
  return undefined;
}

function showNotFound() {
  $('loading').hidden = true;
  $('not-found').hidden = false;
  document.title = `${tr('Behörde nicht gefunden', 'Authority not found')} – Bürgerbüro`;
}

function render({ authority, promise_working_days: promise, stats }) {
  document.title = `${authority.name} – Bürgerbüro`;
  $('authority-name').textContent = authority.name;
  feedLinks(authority);
  $('authority-promise').textContent = tr(
    `Servicezusage: eine erste Reaktion innerhalb von ${promise} ${promise === 1 ? 'Werktag' : 'Werktagen'}. Grundlage: ${stats.reports} öffentliche ${stats.reports === 1 ? 'Meldung' : 'Meldungen'}.`,
    `Service promise: a first reaction within ${promise} working ${promise === 1 ? 'day' : 'days'}. Counted over ${stats.reports} public ${stats.reports === 1 ? 'report' : 'reports'}.`);
  if (stats.withheld || !stats.figures) {
    const withheld = $('withheld');
    withheld.textContent = tr(
      `Die Zahlen werden erst ab ${stats.min_reports} öffentlichen Meldungen gezeigt, denn kleine Zahlen führen in die Irre.`,
      `The figures are shown from ${stats.min_reports} public reports on, because small numbers mislead.`);
    withheld.hidden = false;
  } else {
    renderLights(stats.figures.lights);
    renderTimes(stats.figures, promise);
    renderOverdue(stats.figures);
    $('figures').hidden = false;
  }
  $('loading').hidden = true;
  $('authority').hidden = false;
  reportList($('recent'), { pageSize: 10, label: tr('Aktuelle Meldungen', 'Recent reports') })
    .show({ authority: authority.key });
}

/** The authority's Atom feed and mail alerts: visible links, and the feed for feed readers. */
function feedLinks(authority) {
  const query = `authority=${encodeURIComponent(authority.key)}`;
  const feed = `/api/v1/feeds/reports.atom?${query}`;
  $('authority-feed').href = feed;
  $('authority-alerts').href = `/alerts.html?${query}`;
  document.head.append(el('link', {
    rel: 'alternate', type: 'application/atom+xml', href: feed,
    title: tr(`Meldungen: ${authority.name}`, `Reports: ${authority.name}`),
  }));
}

function renderLights(lights) {
  const total = LIGHTS.reduce((sum, l) => sum + lights[l], 0);
  const share = (n) => (total ? formatPercent(n / total) : '–');
  $('lights-chart').replaceChildren(barChart(LIGHTS.map((light) => ({
    label: shortLightName(light), value: lights[light], valueText: String(lights[light]), className: `bar-${light}`,
  }))));
  $('lights-table').tBodies[0].replaceChildren(...LIGHTS.map((light) => el('tr', {},
    el('th', { scope: 'row' }, lightBadge(light)),
    el('td', { class: 'num' }, String(lights[light])),
    el('td', { class: 'num' }, share(lights[light])))));
}

/** The chart's axis has little room: the colour's name only; the table has the meaning too. */
function shortLightName(light) {
  return lightName(light).split(':')[0];
}

function days(value) {
  if (value === null || value === undefined) return tr('noch keine Werte', 'no data yet');
  return tr(`${formatNumber(value)} ${value === 1 ? 'Tag' : 'Tage'}`, `${formatNumber(value)} ${value === 1 ? 'day' : 'days'}`);
}

function renderTimes(figures, promise) {
  const rows = [
    [tr('Bis zur ersten Reaktion', 'To the first reaction'), figures.median_days_to_first_reaction,
      tr('Erste Reaktion', 'First reaction')],
    [tr('Bis zur Erledigung', 'To resolution'), figures.median_days_to_resolution, tr('Erledigung', 'Resolution')],
  ];
  $('times-chart').replaceChildren(barChart(rows.map(([, value, short]) => ({
    label: short,
    value: value ?? 0, valueText: value === null ? '–' : days(value), className: 'bar-time',
  })), {
    marker: { value: promise, label: tr(`Zusage: ${promise} Werktage`, `Promise: ${promise} working days`) },
  }));
  $('times-table').tBodies[0].replaceChildren(
    ...rows.map(([label, value]) => el('tr', {}, el('th', { scope: 'row' }, label), el('td', { class: 'num' }, days(value)))),
    el('tr', {}, el('th', { scope: 'row' }, tr('Servicezusage', 'Service promise')),
      el('td', { class: 'num' }, tr(`${promise} Werktage`, `${promise} working days`))));
}

function renderOverdue(figures) {
  const share = figures.share_overdue;
  $('overdue-chart').replaceChildren(ringChart(share ?? 0, share === null ? '–' : formatPercent(share), 'ring-overdue'));
  $('overdue-text').replaceChildren(
    el('p', { class: 'big-figure' }, share === null ? tr('Noch keine Werte', 'No data yet') : formatPercent(share)),
    el('p', {}, tr(
      'der Meldungen bekamen ihre erste Reaktion nach der Frist der Servicezusage oder warten noch über die Frist hinaus.',
      'of the reports got their first reaction after the deadline of the service promise, or are still waiting past it.')),
    el('p', {}, el('strong', {}, tr('Jetzt überfällig: ', 'Overdue now: ')),
      String(figures.overdue_now), ' ', tr(figures.overdue_now === 1 ? 'Meldung' : 'Meldungen', figures.overdue_now === 1 ? 'report' : 'reports')));
}

start();
