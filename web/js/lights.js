// Maerker's traffic light: what each colour means, in both languages, as a badge.
import { el } from './dom.js';
import { tr } from './i18n.js';

/** The four lights in the order the public sees a report move through them. */
export const LIGHTS = ['red', 'yellow', 'green', 'yellow_green'];

const NAMES = {
  red: ['Rot: eingegangen', 'Red: received'],
  yellow: ['Gelb: in Bearbeitung', 'Yellow: in progress'],
  green: ['Grün: erledigt', 'Green: fixed'],
  yellow_green: ['Gelb-Grün: bearbeitet, hier nicht lösbar', 'Yellow-green: handled, not fixable here'],
};

/** "Rot: eingegangen" / "Red: received". */
export function lightName(light) {
  const [de, en] = NAMES[light] ?? [light, light];
  return tr(de, en);
}

const STATUS = {
  unconfirmed: ['unbestätigt', 'unconfirmed'],
  open: ['eingegangen', 'received'],
  in_progress: ['in Bearbeitung', 'in progress'],
  resolved: ['erledigt', 'fixed'],
  closed: ['abgeschlossen', 'closed'],
};

/** A status in words. */
export function statusName(status) {
  const [de, en] = STATUS[status] ?? [status, status];
  return tr(de, en);
}

const REASONS = {
  not_responsible: ['andere Stelle zuständig', 'another body is responsible'],
  private_property: ['Privatgelände', 'private property'],
  no_funds: ['keine Mittel', 'no funds'],
  not_a_defect: ['kein Mangel', 'not a defect'],
  duplicate: ['bereits gemeldet', 'already reported'],
};

/** A close reason in words. */
export function reasonName(reason) {
  const [de, en] = REASONS[reason] ?? [reason, reason];
  return tr(de, en);
}

/** A coloured dot plus the light's name: colour is never the only carrier of meaning. */
export function lightBadge(light) {
  return el('span', { class: `light light-${light}` },
    el('span', { class: 'light-dot', 'aria-hidden': 'true' }), lightName(light));
}
