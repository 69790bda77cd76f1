// The home page: the public reports on a map (the layer's tiles for the view, loaded whenever
// the view moves; the browser's cache keeps the tiles it has seen) and as a list, with filters by light and category that apply to both. The filters and
// the map's view live in the address, so a view can be shared and the back button keeps it.
import { getJson, loadCategories } from './api.js';
import { $, el } from './dom.js';
import { plural, tr } from './i18n.js';
import { LIGHTS, lightBadge, lightName } from './lights.js';
import { HOME, createMap, lightMarker } from './map.js';
import { initPage } from './page.js';
import { mountPlaceSearch, zoomTo } from './place-search.js';
import { STATUS_OF_LIGHT, categoryName, reportHref } from './public-common.js';
import { reportList } from './public-list.js';

initPage('Karte und Liste', 'Map and list');

const state = readState();
const list = reportList($('report-list'), { label: tr('Gemeldete Mängel', 'Reported problems') });
let map = null;
let categoryNames = new Map();

/** Filters and view from the address: `light=red,yellow&category=…&inview=1&lat=…&lon=…&zoom=…`. */
function readState() {
  const query = new URLSearchParams(location.search);
  const lights = (query.get('light') ?? '').split(',').filter((l) => LIGHTS.includes(l));
  const lat = Number.parseFloat(query.get('lat'));
  const lon = Number.parseFloat(query.get('lon'));
  const zoom = Number.parseInt(query.get('zoom'), 10);
  const valid = Number.isFinite(lat) && Math.abs(lat) <= 85 && Number.isFinite(lon) && Math.abs(lon) <= 180
    && Number.isInteger(zoom) && zoom >= 0 && zoom <= 19;
  return {
    lights: new Set(lights),
    category: query.get('category') ?? '',
    sort: query.get('sort') === 'supporters' ? 'supporters' : '',
    inView: query.get('inview') === '1',
    view: valid ? { center: [lat, lon], zoom } : HOME,
  };
}

/** Writes the state back into the address without a new history entry per pan. */
function writeState() {
  const query = new URLSearchParams(location.search);
  const set = (name, value) => (value ? query.set(name, value) : query.delete(name));
  set('light', [...state.lights].join(','));
  set('category', state.category);
  set('sort', state.sort);
  set('inview', state.inView ? '1' : '');
  if (map) {
    const c = map.getCenter();
    set('lat', c.lat.toFixed(5));
    set('lon', c.lng.toFixed(5));
    set('zoom', String(map.getZoom()));
  }
  const search = query.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

/** The list API's filters for the current state. */
function listFilters() {
  const statuses = [...state.lights].map((l) => STATUS_OF_LIGHT[l]);
  return {
    status: statuses.join(','),
    category: state.category,
    sort: state.sort,
    bbox: state.inView && map ? bboxOf(map) : '',
  };
}

/** The map's visible box as `west,south,east,north`, rounded and inside the API's ranges. */
function bboxOf(leafletMap) {
  const b = leafletMap.getBounds();
  const round = (value, limit) => Math.max(-limit, Math.min(limit, Math.round(value * 1e5) / 1e5));
  return [round(b.getWest(), 180), round(b.getSouth(), 90), round(b.getEast(), 180), round(b.getNorth(), 90)].join(',');
}

function buildFilters() {
  const box = $('light-filters');
  box.replaceChildren(...LIGHTS.map((light) => el('label', { class: 'check light-filter', for: `light-${light}` },
    el('input', { type: 'checkbox', id: `light-${light}`, name: 'light', value: light, checked: state.lights.has(light) }),
    lightBadge(light))));
  box.addEventListener('change', (event) => {
    const input = event.target;
    if (input.checked) state.lights.add(input.value); else state.lights.delete(input.value);
    filtersChanged();
  });
  $('category').addEventListener('change', (event) => {
    state.category = event.target.value;
    filtersChanged();
  });
  const sort = $('sort');
  sort.value = state.sort;
  sort.addEventListener('change', () => {
    state.sort = sort.value;
    filtersChanged(false);
  });
  const inView = $('in-view');
  inView.checked = state.inView;
  inView.addEventListener('change', () => {
    state.inView = inView.checked;
    filtersChanged(false);
  });
  // The filters apply as they change; a submit (Enter in the form) must not reload the page.
  $('filters').addEventListener('submit', (event) => event.preventDefault());

  const legend = document.querySelector('.legend');
  legend.prepend(...LIGHTS.map((light) => el('li', {},
    el('span', { class: `legend-marker light-marker light-${light}`, 'aria-hidden': 'true' }), ' ', lightName(light))));
}

async function fillCategories() {
  const select = $('category');
  try {
    const categories = await loadCategories();
    categoryNames = new Map(categories.map((c) => [c.code, categoryName(c)]));
    select.append(...categories.map((c) => el('option', { value: c.code }, categoryName(c))));
  } catch {
    // The filter still works for a category given in the address; the list shows the error.
  }
  if (state.category && !categoryNames.has(state.category)) {
    select.append(el('option', { value: state.category }, state.category));
  }
  select.value = state.category;
}

/**
 * The filters fold away on a phone, so the map comes first; on a wide screen, or when a filter
 * is set (the reader must see why the list is short), they start open. The summary counts them.
 */
function showFiltersBox() {
  const active = state.lights.size + (state.category ? 1 : 0) + (state.inView ? 1 : 0);
  $('filters-active').textContent = active ? tr(`(${active} aktiv)`, `(${active} active)`) : '';
  return active;
}

function filtersChanged(reloadMap = true) {
  showFiltersBox();
  writeState();
  list.show(listFilters());
  if (reloadMap) loadLayer();
}

// ---- Map layer -----------------------------------------------------------------------------

let layer = null;
let layerGeneration = 0;

/**
 * Reloads the markers for the visible box. Without a category filter they come from the map's
 * tiles (points from zoom 14, grid clusters below), with the light filter applied to the points
 * and to each cluster's per-light counts. The layer knows no categories, so with a category
 * filter the markers come from the list API instead (points only, at most `MAX_FILTERED`).
 */
async function loadLayer() {
  if (!map) return;
  const mine = ++layerGeneration;
  const bbox = bboxOf(map);
  const zoom = Math.max(0, Math.min(22, Math.round(map.getZoom())));
  // The status is busy while the view's tiles load (several requests now), so assistive
  // technology announces the new summary once, not a half-loaded one.
  const status = $('map-status');
  status.setAttribute('aria-busy', 'true');
  try {
    const markers = state.category ? await filteredPoints(bbox) : await layerMarkers(zoom);
    if (mine !== layerGeneration) return;
    layer?.remove();
    layer = L.layerGroup(markers.items).addTo(map);
    status.textContent = markers.summary;
  } catch (problem) {
    if (mine !== layerGeneration) return;
    status.replaceChildren(el('span', { class: 'error' },
      tr('Die Karte konnte nicht geladen werden: ', 'The map could not be loaded: '),
      problem.readerMessage?.() ?? String(problem)));
  } finally {
    if (mine === layerGeneration) status.removeAttribute('aria-busy');
  }
}

/**
 * The addresses (`[x, y]`) of the tiles at zoom `z` that cover the map's view, numbered as
 * the service and OpenStreetMap number them (x from 180° W, y from 85.05° N).
 */
function tilesInView(leafletMap, z) {
  const n = 2 ** z;
  const b = leafletMap.getBounds();
  const clamp = (value) => Math.max(0, Math.min(n - 1, Math.floor(value)));
  const column = (lon) => clamp(((lon + 180) / 360) * n);
  const row = (lat) => {
    const rad = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180;
    return clamp(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  };
  const tiles = [];
  for (let x = column(Math.max(-180, b.getWest())); x <= column(Math.min(180, b.getEast())); x += 1) {
    for (let y = row(b.getNorth()); y <= row(b.getSouth()); y += 1) tiles.push([x, y]);
  }
  return tiles;
}

/**
 * The markers of the view's tiles. Each report and each cluster is in exactly one tile, so
 * the tiles' features add up without counting any twice; the summary counts those in view.
 */
async function layerMarkers(zoom) {
  const tiles = await Promise.all(tilesInView(map, zoom)
    .map(([x, y]) => getJson(`/api/v1/map/tiles/${zoom}/${x}/${y}.json`)));
  const view = map.getBounds();
  const items = [];
  let reports = 0;
  let groups = 0;
  let grouped = 0;
  for (const feature of tiles.flatMap((tile) => tile.features)) {
    const [lon, lat] = feature.geometry.coordinates;
    const p = feature.properties;
    const inView = view.contains([lat, lon]);
    if (p.kind === 'report') {
      if (!lightShown(p.light)) continue;
      items.push(reportMarker(lat, lon, p));
      if (inView) reports += 1;
    } else {
      const lights = Object.fromEntries(LIGHTS.map((l) => [l, lightShown(l) ? p.lights[l] : 0]));
      const count = LIGHTS.reduce((sum, l) => sum + lights[l], 0);
      if (count === 0) continue;
      items.push(clusterMarker(lat, lon, lights, count));
      if (!inView) continue;
      reports += count;
      grouped += count;
      groups += 1;
    }
  }
  return { items, summary: layerSummary(reports, { groups, grouped }) };
}

const MAX_FILTERED = 1000;

async function filteredPoints(bbox) {
  const items = [];
  let cursor = null;
  // The map wants the newest in view, whatever order the list is in.
  const filters = { ...listFilters(), sort: '', bbox, limit: '200' };
  do {
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    if (cursor) query.set('cursor', cursor);
    const page = await getJson(`/api/v1/reports?${query}`);
    for (const r of page.reports) {
      items.push(reportMarker(r.location.lat, r.location.lon, { id: r.id, category: r.category.code, light: r.light }));
    }
    cursor = page.next_cursor;
  } while (cursor && items.length < MAX_FILTERED);
  return { items, summary: layerSummary(items.length, { truncated: Boolean(cursor) }) };
}

function lightShown(light) {
  return state.lights.size === 0 || state.lights.has(light);
}

function layerSummary(reports, { groups = 0, grouped = 0, truncated = false } = {}) {
  if (reports === 0) return tr('Im Kartenausschnitt sind keine Meldungen.', 'There are no reports in this part of the map.');
  const single = reports - grouped;
  const count = plural(reports, 'Meldung', 'Meldungen', 'report', 'reports');
  let how = '';
  if (groups > 0 && single === 0) {
    how = groups === 1 ? tr(' (in einer Gruppe)', ' (in one group)')
      : tr(` (in ${groups} Gruppen)`, ` (in ${groups} groups)`);
  } else if (groups > 0) {
    how = tr(` (${single} einzeln, ${grouped} in ${plural(groups, 'Gruppe', 'Gruppen', '', '').trim()})`,
      ` (${single} single, ${grouped} in ${plural(groups, '', '', 'group', 'groups').trim()})`);
  }
  const text = tr(`Im Kartenausschnitt: ${count}${how}.`, `In this part of the map: ${count}${how}.`);
  return truncated
    ? `${text} ${tr('Es werden nur die neuesten gezeigt; zoomen Sie hinein.', 'Only the newest are shown; zoom in.')}`
    : text;
}

/** One report: a light marker whose pop-up links to the report's page. */
function reportMarker(lat, lon, { id, category, light }) {
  const name = categoryNames.get(category) ?? category;
  const marker = lightMarker(lat, lon, light, name);
  const link = el('a', { href: reportHref(id) }, tr('Meldung ansehen', 'View report'));
  const content = el('div', { class: 'map-popup' },
    el('p', { class: 'map-popup-title' }, name), el('p', {}, lightBadge(light)), el('p', {}, link));
  marker.bindPopup(content);
  // Keyboard users land in the pop-up they opened; Escape closes it and returns them to the
  // marker (Leaflet's own Escape only works while the map itself has focus).
  marker.on('popupopen', () => link.focus());
  content.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') marker.closePopup();
  });
  marker.on('popupclose', () => {
    const focus = document.activeElement;
    if (!focus || focus === document.body || content.contains(focus)) marker.getElement()?.focus();
  });
  return marker;
}

/**
 * A group of reports: the count in a ring whose segments show the share of each light. Enter,
 * Space or a click zooms in until the group splits up.
 */
function clusterMarker(lat, lon, lights, count) {
  const size = Math.round(34 + Math.min(22, 6 * Math.log10(count)));
  const node = el('div', { class: 'cluster' }, el('span', { class: 'cluster-count' }, String(count)));
  node.style.background = ringGradient(lights, count);
  const parts = LIGHTS.filter((l) => lights[l] > 0).map((l) => `${lights[l]} ${lightName(l)}`).join(', ');
  const label = `${plural(count, 'Meldung', 'Meldungen', 'report', 'reports')} (${parts}). ${tr('Hineinzoomen.', 'Zoom in.')}`;
  const marker = L.marker([lat, lon], {
    icon: L.divIcon({ className: 'cluster-marker', html: node, iconSize: [size, size] }),
    title: label, keyboard: true, riseOnHover: true,
  });
  const zoomIn = () => map.setView([lat, lon], Math.min(map.getZoom() + 2, 18));
  marker.on('click', zoomIn);
  marker.on('add', () => {
    const icon = marker.getElement();
    icon.setAttribute('aria-label', label);
    icon.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        zoomIn();
      }
    });
  });
  return marker;
}

const COLOURS = { red: 'var(--red)', yellow: 'var(--yellow)', green: 'var(--green)', yellow_green: 'var(--yellow-green)' };

/** A conic gradient with one segment per light, sized by its share. */
function ringGradient(lights, count) {
  let start = 0;
  const stops = [];
  for (const light of LIGHTS) {
    if (lights[light] === 0) continue;
    const end = start + (lights[light] / count) * 360;
    stops.push(`${COLOURS[light]} ${start}deg ${end}deg`);
    start = end;
  }
  return `conic-gradient(${stops.join(', ')})`;
}

// ---- Start ---------------------------------------------------------------------------------

async function start() {
  buildFilters();
  if (showFiltersBox() > 0 || matchMedia('(min-width: 52rem)').matches) $('filters-box').open = true;
  await fillCategories();
  // Limited to the map's section, the list waits for the map to know its box.
  if (!state.inView) list.show(listFilters());
  try {
    map = await createMap($('map'), state.view);
    // The view follows (moveend reloads the layer and, if limited to the view, the list).
    mountPlaceSearch($('place-search'), { onPick: (place) => zoomTo(map, place, { pointZoom: 14 }) });
    map.on('moveend', () => {
      writeState();
      loadLayer();
      if (state.inView) list.show(listFilters());
    });
    writeState();
    if (state.inView) list.show(listFilters());
    await loadLayer();
  } catch (error) {
    // Without the map (no Leaflet, no WebGL-free rendering, …) the list still serves.
    $('map-status').replaceChildren(el('span', { class: 'error' },
      tr('Die Karte ist nicht verfügbar; die Liste zeigt alle Meldungen.', 'The map is not available; the list shows every report.')));
    console.warn(error);
    if (state.inView) list.show(listFilters());
  }
}

start();
