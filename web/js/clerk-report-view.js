// Draws a report as a clerk sees it (facts, texts, photos, the whole history with internal
// entries marked) into the static skeleton of /clerk/report.html. It only fills containers the
// page already has, so the action forms, and the focus inside them, survive every refresh.
import { $, el } from './dom.js';
import { formatDate, formatDeadline, formatDuration, pick, tr } from './i18n.js';
import { lightBadge, reasonName, statusName } from './lights.js';

/** Fills the report's part of the page from a `ClerkReport`. */
export function renderReport(report, { onTogglePhoto, onRedactPhoto }) {
  $('report-title').textContent = `${pick(report.category, 'name')} – ${report.address || report.area.name}`;
  $('report-flags').replaceChildren(...flags(report));
  $('report-description').textContent = report.description;
  $('original').hidden = !report.original_description;
  $('report-original').textContent = report.original_description ?? '';
  $('report-facts').replaceChildren(...facts(report));
  $('place-links').replaceChildren(...placeLinks(report.location));
  renderPhotos(report, onTogglePhoto, onRedactPhoto);
  const names = authorityNames(report);
  $('report-history').replaceChildren(...(report.events ?? []).map((e) => eventItem(e, names)));
  document.title = `${tr('Meldung', 'Report')}: ${pick(report.category, 'name')} – Bürgerbüro`;
}

/**
 * A short handle for a report: the end of its id. Ids are UUIDv7, whose first digits are the
 * filing time and so the same for reports filed together; the last ones are random.
 */
export function shortId(id) {
  return `…${id.slice(-8)}`;
}

/** Light, overdue and visibility as words (never colour alone). */
export function flags(report) {
  return [
    report.light ? lightBadge(report.light) : el('span', { class: 'tag' }, statusName(report.status)),
    report.overdue ? el('span', { class: 'tag tag-overdue' },
      el('span', { 'aria-hidden': 'true' }, '⚠ '), tr('Überfällig', 'Overdue')) : null,
    el('span', { class: `tag tag-${report.visibility}` }, visibilityName(report.visibility)),
  ].filter(Boolean);
}

function visibilityName(visibility) {
  return {
    published: tr('Veröffentlicht', 'Published'),
    pending: tr('Zu prüfen – nicht öffentlich', 'To moderate – not public'),
    hidden: tr('Verborgen', 'Hidden'),
  }[visibility] ?? visibility;
}

function facts(report) {
  const rows = [
    [tr('Status', 'Status'), `${statusName(report.status)} ${tr('seit', 'for')} ${formatDuration(report.status_age_seconds)}`],
    report.close_reason && [tr('Abschlussgrund', 'Reason for closing'), closeReason(report.close_reason)],
    [tr('Kategorie', 'Category'), pick(report.category, 'name')],
    [tr('Ort', 'Place'), [report.address, report.area.name].filter(Boolean).join(', ')],
    [tr('Behörde', 'Authority'), report.authority ? `${report.authority.name} (${report.authority.key})` : '–'],
    report.authority_chain?.length > 1 && [tr('Weitergeleitet über', 'Forwarded via'),
      report.authority_chain.map((c) => c.authority?.name ?? c.key).join(' → ')],
    [tr('Eingegangen', 'Filed'), formatDate(report.created_at)],
    [tr('Erste Reaktion fällig', 'First reaction due'), report.reaction_due_at ? formatDeadline(report.reaction_due_at) : '–'],
    [tr('Erste Reaktion', 'First reaction'), report.first_reaction_at ? formatDate(report.first_reaction_at) : tr('noch keine', 'none yet')],
    [tr('Meldende Person', 'Reporter'), reporter(report.reporter)],
    report.near_border && [tr('Hinweis', 'Note'), tr('Nahe einer Zuständigkeitsgrenze – bitte Ort prüfen.', 'Close to another authority\'s area – please check the place.')],
    report.duplicates?.length && [tr('Duplikate davon', 'Duplicates of it'),
      report.duplicates.flatMap((id, i) => [i ? ', ' : '', el('a', { href: `/clerk/report.html?id=${id}` }, `${tr('Meldung', 'Report')} ${shortId(id)}`)])],
    [tr('Kennung', 'ID'), el('code', {}, report.id)],
  ].filter(Boolean);
  return rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, ...[value].flat())]);
}

function closeReason(reason) {
  const parts = [reasonName(reason.reason)];
  if (reason.detail) parts.push(reason.detail);
  if (reason.duplicate_of) {
    return [parts.join(': '), ' – ', el('a', { href: `/clerk/report.html?id=${reason.duplicate_of}` },
      tr('Originalmeldung', 'Original report'))];
  }
  return parts.join(': ');
}

function reporter({ email, name }) {
  if (!email && !name) return tr('anonym', 'anonymous');
  return [name ?? '', name && email ? ' – ' : '', email ? el('a', { href: `mailto:${email}` }, email) : ''];
}

/** A map link and a `geo:` link, so a clerk in the field can navigate to the place. */
function placeLinks({ lat, lon }) {
  return [
    `${lat.toFixed(5)}, ${lon.toFixed(5)} · `,
    el('a', { href: `geo:${lat},${lon}` }, tr('In Karten-App öffnen', 'Open in map app')), ' · ',
    el('a', { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=19/${lat}/${lon}` },
      tr('OpenStreetMap', 'OpenStreetMap')),
  ];
}

/**
 * Photos with a release/hide switch and a way to make parts unrecognisable. They come from the
 * clerk's own photo route, which serves them before release too: moderation must see what it
 * is about to make public.
 */
function renderPhotos(report, onTogglePhoto, onRedactPhoto) {
  const list = $('report-photos');
  // The reporter's photos, then those citizens sent with their feedback ("still not fixed"):
  // both wait here for release.
  const feedbackPhotos = (report.history ?? [])
    .filter((entry) => entry.kind.startsWith('citizen_'))
    .flatMap((entry) => entry.photos ?? []);
  const photos = [...report.photos, ...feedbackPhotos];
  $('photos-help').hidden = photos.length === 0;
  if (photos.length === 0) {
    list.replaceChildren(el('li', { class: 'meta' }, tr('Keine Fotos.', 'No photos.')));
    return;
  }
  list.replaceChildren(...photos.map((photo, index) => {
    const label = index < report.photos.length
      ? `${tr('Foto', 'Photo')} ${index + 1}`
      : `${tr('Foto zur Rückmeldung', 'Feedback photo')} ${index - report.photos.length + 1}`;
    const url = (variant) => `/api/v1/admin/reports/${report.id}/photos/${photo.id}/${variant}`;
    return el('li', { class: 'clerk-photo' },
      el('a', { href: url('web') }, el('img', { src: url('thumb'), alt: `${label} (${tr('vergrößern', 'enlarge')})`, width: 160, height: 120 })),
      el('span', { class: 'meta' }, photo.visible ? tr('öffentlich', 'public') : tr('verborgen', 'hidden')),
      el('button', {
        type: 'button', class: photo.visible ? 'secondary' : '',
        'data-photo': photo.id,
        onclick: (event) => onTogglePhoto(photo, event.currentTarget),
      }, photo.visible ? `${label} ${tr('verbergen', 'hide')}` : `${label} ${tr('freigeben', 'release')}`),
      el('button', {
        type: 'button', class: 'secondary', 'data-redact': photo.id,
        onclick: () => onRedactPhoto(photo, label),
      }, `${label}: ${tr('Bereiche unkenntlich machen', 'make areas unrecognisable')}`));
  }));
}


/** Events name authorities by key; the chain and the current authority know their names. */
function authorityNames(report) {
  const names = new Map();
  for (const link of report.authority_chain ?? []) if (link.authority) names.set(link.key, link.authority.name);
  if (report.authority) names.set(report.authority.key, report.authority.name);
  return names;
}

function eventItem(event, names) {
  const { de, en } = event.label;
  const actor = event.actor === 'reporter' ? tr('meldende Person', 'reporter')
    : event.actor === 'system' ? tr('System', 'system') : event.actor;
  return el('li', { class: event.public ? 'event' : 'event event-internal' },
    el('p', { class: 'event-head' },
      el('strong', {}, tr(de, en)),
      event.status && event.moves_status ? ` → ${statusName(event.status)}` : '',
      event.authority ? ` · ${tr('an', 'to')} ${names.get(event.authority) ?? event.authority}` : '',
      ' ',
      el('span', { class: event.public ? 'tag tag-public' : 'tag tag-internal' },
        event.public ? tr('öffentlich', 'public') : tr('intern', 'internal'))),
    el('p', { class: 'meta' }, `${formatDate(event.at)} · ${actor}`),
    event.text ? el('p', { class: 'event-text' }, eventText(event)) : null);
}

/** Photo events carry the photo's long hash and link events a report id: keep them short. */
function eventText(event) {
  if (event.kind === 'redaction_areas') {
    // `old → new: x,y w×h; …`: the ids shortened, the rectangles as they are.
    const [ids, areas] = [event.text.slice(0, event.text.indexOf(': ')), event.text.slice(event.text.indexOf(': ') + 2)];
    const [from, to] = ids.split(' → ');
    return `${tr('Foto', 'Photo')} ${from?.slice(0, 12)}… → ${to?.slice(0, 12)}…: ${areas}`;
  }
  if (event.kind.startsWith('photo_')) return `${tr('Foto', 'Photo')} ${event.text.slice(0, 12)}…`;
  if (event.kind === 'duplicate_linked') {
    return el('a', { href: `/clerk/report.html?id=${event.text}` }, `${tr('Meldung', 'Report')} ${shortId(event.text)}`);
  }
  return event.text;
}
