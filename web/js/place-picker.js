// Where the problem is: one point, set by tapping the map, dragging the pin, the phone's
// location, the map's centre (the keyboard way to use the map) or typed coordinates. Every
// way ends in `set()`, which keeps map, pin and the two inputs in step and tells the page.
import { $ } from './dom.js';
import { createMap } from './map.js';
import { tr } from './i18n.js';

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
      this.map.on('click', (event) => this.set(event.latlng.lat, event.latlng.lng, { from: 'map' }));
    } else {
      $('map').hidden = true;
      $('use-map-centre').hidden = true;
    }
    $('use-map-centre').addEventListener('click', () => {
      const centre = this.map.getCenter();
      this.set(centre.lat, centre.lng, { from: 'map' });
    });
    $('use-location').addEventListener('click', () => this.locate());
    for (const id of ['lat', 'lon']) $(id).addEventListener('change', () => this.fromInputs());
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
