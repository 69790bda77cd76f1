// Where the problem is: one point, set by tapping the map, dragging the pin, the phone's
// location, the map's centre (the keyboard way to use the map) or typed coordinates. Every
// way ends in `set()`, which keeps map, pin and the two inputs in step and tells the page.
// A tap (or "pin at the map's centre") on a map zoomed out below street level sets no pin:
// a fingertip there covers hundreds of metres, often another Gemeinde. The map zooms in on
// the spot instead and asks for a second, precise tap.
import { $ } from './dom.js';
import { createMap } from './map.js';
import { tr } from './i18n.js';
import { mountPlaceSearch, zoomTo } from './place-search.js';

/** The zoom from which a tap on the map sets the pin (street level). */
export const STREET_ZOOM = 15;

/** Reads a typed coordinate; accepts a decimal comma, as German keyboards type it. */
export function parseCoordinate(text) {
  const cleaned = text.trim().replace(',', '.');
  if (!/^-?\d{1,3}(\.\d+)?$/.test(cleaned)) return null;
  return Number(cleaned);
}

/** The picker; `onChange({lat, lon})` runs whenever the point changes. */
export class PlacePicker {
  constructor(onChange) {
    this.onChange = onChange;
    this.point = null;
    this.map = null;
    this.marker = null;
  }

  /** Builds the map (when Leaflet loaded) and wires the buttons and inputs. */
  async start() {
    if (window.L) {
      this.map = await createMap($('map'));
      this.map.on('click', (event) => this.fromMap(event.latlng.lat, event.latlng.lng));
      mountPlaceSearch($('place-search'), {
        onPick: (place) => {
          zoomTo(this.map, place);
          this.hint(tr('Tippen Sie jetzt auf die Stelle des Mangels; ist die Karte noch weit weg, zoomt sie dorthin.',
            'Now tap the spot of the problem; if the map is still far out, it zooms in there first.'));
        },
      });
    } else {
      $('map').hidden = true;
      $('use-map-centre').hidden = true;
      $('place-search').hidden = true;
    }
    $('use-map-centre').addEventListener('click', () => {
      const centre = this.map.getCenter();
      this.fromMap(centre.lat, centre.lng);
    });
    $('use-location').addEventListener('click', () => this.locate());
    // Typed coordinates count once the reader leaves the pair of fields: going from latitude
    // to longitude would otherwise look up a half-typed point (often outside the service area).
    const inPair = (node) => node === $('lat') || node === $('lon');
    let typed = false;
    for (const id of ['lat', 'lon']) {
      $(id).addEventListener('change', () => {
        typed = true;
        // Once the focus has settled: still in the pair means the other field comes next.
        setTimeout(() => { if (typed && !inPair(document.activeElement)) this.takeTyped(); });
      });
      $(id).addEventListener('focusout', (event) => {
        if (typed && !inPair(event.relatedTarget)) this.takeTyped();
      });
    }
    this.takeTyped = () => {
      typed = false;
      this.fromInputs();
    };
  }

  /** A tap or the centre: the pin at street level, else zoom in there and ask again. */
  fromMap(lat, lon) {
    if (this.map.getZoom() < STREET_ZOOM) {
      // At once, not animated: a second tap during an animation would be judged by the
      // zoom before it.
      this.map.setView([lat, lon], STREET_ZOOM + 1, { animate: false });
      this.hint(tr('Die Karte zeigt die Stelle jetzt näher. Bitte tippen Sie noch einmal genau auf den Ort des Mangels (oder setzen Sie den Pin in die Kartenmitte).',
        'The map now shows the spot closer. Please tap the exact place of the problem again (or place the pin at the map\'s centre).'));
      return;
    }
    this.hint('');
    this.set(lat, lon, { from: 'map' });
  }

  /** Says what to do next with the map (a status region: screen readers hear it). */
  hint(text) {
    $('pin-hint').textContent = text;
  }

  /** The phone's location, with a clear message when it is not available. */
  locate() {
    const status = $('authority');
    if (!navigator.geolocation) {
      status.textContent = tr('Ihr Browser kann den Standort nicht bestimmen.', 'Your browser cannot tell its location.');
      return;
    }
    status.textContent = tr('Standort wird bestimmt …', 'Finding your location …');
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => this.set(coords.latitude, coords.longitude, { zoom: 17 }),
      () => {
        status.textContent = tr(
          'Der Standort konnte nicht bestimmt werden. Bitte tippen Sie auf die Karte oder geben Sie die Koordinaten ein.',
          'Your location could not be found. Please tap the map or type the coordinates.');
      },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  }

  /** Takes the typed coordinates once both look like numbers. */
  fromInputs() {
    const lat = parseCoordinate($('lat').value);
    const lon = parseCoordinate($('lon').value);
    if (lat !== null && lon !== null) this.set(lat, lon, { from: 'inputs', zoom: 16 });
  }

  /** Moves the point (rounded to 6 decimals, about 10 cm) and shows it everywhere. */
  set(lat, lon, { from, zoom } = {}) {
    this.point = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)) };
    if (from !== 'inputs') {
      $('lat').value = String(this.point.lat);
      $('lon').value = String(this.point.lon);
    }
    if (this.map) {
      const position = [this.point.lat, this.point.lon];
      if (this.marker) {
        this.marker.setLatLng(position);
      } else {
        this.marker = L.marker(position, {
          draggable: true, keyboard: false, title: tr('Ort des Mangels', 'Place of the problem'),
          alt: tr('Ort des Mangels', 'Place of the problem'),
        }).addTo(this.map);
        this.marker.on('dragend', () => {
          const moved = this.marker.getLatLng();
          this.set(moved.lat, moved.lng, { from: 'map' });
        });
      }
      if (from !== 'map') this.map.setView(position, Math.max(zoom ?? 16, this.map.getZoom()));
    }
    this.onChange(this.point);
  }
}
