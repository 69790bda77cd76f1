// Find a place by name (GET /api/v1/places): a search field whose suggestions are a list of
// buttons below it, shown as you type. Keyboard: Arrow down moves from the field into the
// list, the arrows move within it, Enter or Space picks, Escape goes back to the field. Each
// suggestion names the place's kind, its Gemeinde and Kreis, so places of the same name can
// be told apart. Picking calls `onPick(place)`; `zoomTo(map, place)` shows it on a map.
import { getJson, ApiProblem } from './api.js';
import { el } from './dom.js';
import { tr } from './i18n.js';

const KINDS = {
  gemeinde: ['Gemeinde', 'municipality'], bezirk: ['Bezirk von Berlin', 'district of Berlin'],
  amt: ['Amt', 'Amt (joint administration)'], verbandsgemeinde: ['Verbandsgemeinde', 'Verbandsgemeinde'],
  place: ['Ort', 'place'], ortsteil: ['Ortsteil', 'part of town'], address: ['Adresse', 'address'],
};

/** "Briesen – Ort in Briesen (Mark), Landkreis Oder-Spree" and who is responsible. */
export function describePlace(place) {
  const kreisfrei = place.kind === 'gemeinde' && place.authority.kind === 'kreisfreie_stadt';
  const [de, en] = kreisfrei ? ['kreisfreie Stadt', 'city'] : KINDS[place.kind] ?? [place.kind, place.kind];
  let what = tr(de, en);
  if (place.area && place.area.name !== place.name) what += ` ${tr('in', 'in')} ${place.area.name}`;
  if (place.state !== 'BE' && !kreisfrei) what += `, ${place.kreis.name}`;
  else if (place.state === 'BE' && place.kind !== 'bezirk') what += ', Berlin';
  return { title: `${place.name} – ${what}`, authority: tr(`Zuständig: ${place.authority.name}`, `Responsible: ${place.authority.name}`) };
}

/**
 * Shows the place: its whole area when it has one, else close around its point. Without
 * animation: the map is where it should be at once, so the next tap is judged by the zoom
 * the reader sees (and nothing flies across the screen).
 */
export function zoomTo(map, place, { pointZoom = 15 } = {}) {
  if (place.bbox) {
    const [west, south, east, north] = place.bbox;
    map.fitBounds([[south, west], [north, east]], { maxZoom: 15, animate: false });
  } else if (place.point) {
    // A street address is shown at street level, where a pin can be set at once.
    const zoom = place.kind === 'address' ? Math.max(pointZoom, 17) : pointZoom;
    map.setView([place.point.lat, place.point.lon], zoom, { animate: false });
  }
}

/**
 * Builds the search into `container`. `idPrefix` keeps ids unique; `onPick(place)` runs when a
 * suggestion is chosen.
 */
export function mountPlaceSearch(container, { idPrefix = 'place', onPick }) {
  const ids = { input: `${idPrefix}-q`, help: `${idPrefix}-q-help`, list: `${idPrefix}-results`, status: `${idPrefix}-status` };
  const input = el('input', {
    id: ids.input, type: 'search', autocomplete: 'off', maxlength: '100', spellcheck: 'false',
    'aria-describedby': ids.help, 'aria-controls': ids.list,
  });
  const button = el('button', { type: 'button', class: 'secondary' }, tr('Suchen', 'Search'));
  const status = el('p', { id: ids.status, class: 'help place-status', role: 'status', 'aria-live': 'polite' });
  const list = el('ul', { id: ids.list, class: 'place-results', 'aria-label': tr('Gefundene Orte', 'Places found') });
  container.replaceChildren(
    el('label', { for: ids.input }, tr('Ort suchen', 'Find a place')),
    el('div', { class: 'place-search-row' }, input, button),
    el('p', { id: ids.help, class: 'help' }, tr(
      'Stadt, Dorf, Gemeinde, Amt oder Berliner Bezirk. Vorschläge erscheinen beim Tippen; mit der Pfeiltaste nach unten wählen Sie sie aus.',
      'Town, village, municipality, Amt or Berlin district. Suggestions appear as you type; Arrow down takes you to them.')),
    status, list);

  let seq = 0;
  let timer = null;

  // Street addresses come from the operator's upstream geocoder, if any: asked only when the
  // citizen searches on purpose (Enter, the button), never with half-typed words.
  async function search(text, { typed = false } = {}) {
    const q = text.trim();
    const mine = ++seq;
    if (q.length < (typed ? 2 : 1)) {
      list.replaceChildren();
      status.textContent = '';
      return;
    }
    try {
      const params = { q, limit: '8', ...(typed ? {} : { addresses: 'true' }) };
      const answer = await getJson(`/api/v1/places?${new URLSearchParams(params)}`);
      if (mine !== seq) return;
      const hits = [...answer.addresses, ...answer.places];
      list.replaceChildren(...hits.map((place) => {
        const { title, authority } = describePlace(place);
        return el('li', {}, el('button', {
          type: 'button', class: 'place-hit',
          onclick: () => pick(place),
        }, el('span', { class: 'place-hit-name' }, title), el('span', { class: 'place-hit-meta' }, authority)));
      }));
      const found = hits.length === 0
        ? tr(`Kein Ort „${q}“ gefunden.`, `No place “${q}” found.`)
        : tr(`${hits.length} Treffer gefunden.`, `${hits.length} ${hits.length === 1 ? 'match' : 'matches'} found.`);
      const notes = [found];
      if (answer.street_search === 'unavailable') {
        notes.push(tr('Die Adresssuche ist gerade nicht erreichbar; gezeigt werden nur Orte.',
          'The street search is unavailable right now; only places are shown.'));
      }
      if (answer.address_attribution && answer.addresses.length > 0) notes.push(answer.address_attribution);
      status.textContent = notes.join(' ');
    } catch (error) {
      if (mine !== seq) return;
      list.replaceChildren();
      status.textContent = error instanceof ApiProblem ? error.readerMessage() : String(error);
    }
  }

  function pick(place) {
    seq += 1;
    list.replaceChildren();
    input.value = place.name;
    status.textContent = tr(`Die Karte zeigt ${describePlace(place).title}.`, `The map shows ${describePlace(place).title}.`);
    // The chosen button is gone; the field keeps the focus, so the reader is not lost.
    input.focus();
    onPick(place);
  }

  const hits = () => [...list.querySelectorAll('button')];
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value, { typed: true }), 200);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      // Inside the report form Enter must search, not send the form.
      event.preventDefault();
      clearTimeout(timer);
      search(input.value);
    } else if (event.key === 'ArrowDown' && hits().length > 0) {
      event.preventDefault();
      hits()[0].focus();
    } else if (event.key === 'Escape') {
      seq += 1;
      list.replaceChildren();
      status.textContent = '';
    }
  });
  list.addEventListener('keydown', (event) => {
    const all = hits();
    const at = all.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = at + (event.key === 'ArrowDown' ? 1 : -1);
      if (next < 0) input.focus();
      else all[Math.min(next, all.length - 1)].focus();
    } else if (event.key === 'Escape') {
      input.focus();
    }
  });
  button.addEventListener('click', () => {
    clearTimeout(timer);
    search(input.value);
  });
  return { input };
}
