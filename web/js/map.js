// The Leaflet map (global `L` from /vendor/leaflet/leaflet.js, loaded by the page): base map
// from the service's settings with its attribution, traffic-light markers that are reachable
// by keyboard and named for screen readers.
import { loadAttribution } from './page.js';
import { lightName } from './lights.js';
import { tr } from './i18n.js';

/** The middle of the service area and a zoom that shows all three states. */
export const HOME = { center: [53.0, 13.3], zoom: 7 };

/** A map in `element` with the configured tiles (none when the operator set no tile URL). */
export async function createMap(element, { center = HOME.center, zoom = HOME.zoom } = {}) {
  const map = L.map(element, { center, zoom, keyboard: true, zoomControl: false });
  // Leaflet names its buttons in English; the page's language names them here.
  L.control.zoom({
    zoomInTitle: tr('Hineinzoomen', 'Zoom in'), zoomOutTitle: tr('Herauszoomen', 'Zoom out'),
  }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  // On a small map the credits would cover a good part of it (a quarter on a phone): they go
  // in a line right below the map instead, still beside it as the licences ask.
  // A page may hold a slot of the right height for them (`#<map id>-credits`), so nothing
  // below the map moves when they arrive.
  if (element.classList.contains('map-small')) {
    const credits = map.attributionControl.getContainer();
    credits.classList.add('map-credits');
    const slot = document.getElementById(`${element.id}-credits`);
    if (slot) slot.replaceChildren(credits); else element.after(credits);
  }
  map.on('popupopen', ({ popup }) => {
    popup.getElement()?.querySelector('.leaflet-popup-close-button')
      ?.setAttribute('aria-label', tr('Schließen', 'Close'));
  });
  const { basemap, boundaries } = await loadAttribution().catch(() => ({ boundaries: [] }));
  if (basemap) {
    L.tileLayer(basemap.tile_url, { maxZoom: basemap.max_zoom, attribution: escapeHtml(basemap.attribution) })
      .addTo(map);
  }
  for (const source of boundaries) map.attributionControl.addAttribution(escapeHtml(source.attribution));
  // Leaflet's container takes keyboard focus (arrows pan, +/- zoom); give it a name.
  element.setAttribute('aria-label', tr('Karte. Pfeiltasten verschieben, Plus und Minus zoomen.',
    'Map. Arrow keys pan, plus and minus zoom.'));
  return map;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A marker in the report's light, focusable, with the light in its accessible name. */
export function lightMarker(lat, lon, light, label) {
  return L.marker([lat, lon], {
    icon: L.divIcon({ className: `light-marker light-${light}`, iconSize: [22, 22], html: '' }),
    title: `${label} – ${lightName(light)}`,
    alt: `${label} – ${lightName(light)}`,
    keyboard: true,
    riseOnHover: true,
  });
}
