// The report form: place, category (with its notice), nearby open reports of that category,
// description, photos (made smaller first), optional contact; then a preview of exactly what
// becomes public, then sending, then the tracking link. Errors the service returns are shown
// next to the field they concern.
import { $, el, showFieldError, clearFieldErrors, clearFieldError, clearErrorsOnEdit } from './dom.js';
import { ApiProblem, getJson, sendRaw, loadCategories } from './api.js';
import { initPage } from './page.js';
import { beforeLanguageSwitch, lang, pick, plural, restoreFormState, tr, withArticle } from './i18n.js';
import { PlacePicker, parseCoordinate } from './place-picker.js';
import { preparePhoto } from './photo-resize.js';
import { lightBadge } from './lights.js';
import { queueReport, removeFromOutbox } from './outbox.js';
import { mountOutboxList, render as renderOutbox } from './outbox-list.js';
import { requestBackgroundSync, sendKept } from './pwa.js';

const MAX_PHOTOS = 5;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_DESCRIPTION = 4000;

const KIND_NAMES = {
  bezirksamt: ['Bezirksamt', 'district office'], amt: ['Amt', 'Amt (joint administration)'],
  verbandsgemeinde: ['Verbandsgemeinde', 'Verbandsgemeinde'],
  erfuellende_gemeinde: ['erfüllende Gemeinde', 'administering municipality'],
  amtsfreie_gemeinde: ['amtsfreie Gemeinde', 'municipality'], amtsfreie_stadt: ['amtsfreie Stadt', 'town'],
  kreisfreie_stadt: ['kreisfreie Stadt', 'city'], landkreis: ['Landkreis', 'district'],
  state_agency: ['Landesbehörde', 'state agency'],
};

const GROUP_NAMES = {
  traffic: ['Verkehr', 'Traffic'], environment: ['Umwelt', 'Environment'],
  facilities: ['Öffentliche Einrichtungen', 'Public facilities'],
  public_order: ['Ordnung und Sauberkeit', 'Public order'], other: ['Sonstiges', 'Other'],
};

let categories = [];
/** Photos as chosen: `{ upload: File, preview: dataURL|null, name }`. */
const photos = [];
/** The last answer of the jurisdiction API for the current point and category. */
let jurisdiction = null;
/** One key per prepared filing, so a retry after a dropped connection files only once. */
let idempotencyKey = null;
/** The key of the report this page kept for later, whose thank-you it shows once it is sent. */
let keptKey = null;
/** What was typed for that report (the thank-you names the email address). */
let keptFields = null;
let lookupSeq = 0;

const picker = new PlacePicker(() => placeOrCategoryChanged());

function kindName(kind) {
  const [de, en] = KIND_NAMES[kind] ?? [kind, kind];
  return tr(de, en);
}

function selectedCategory() {
  return categories.find((c) => c.code === $('category').value);
}

/** Responsibility and nearby reports follow the pin and the category, newest answer wins. */
async function placeOrCategoryChanged() {
  const point = picker.point;
  const category = $('category').value;
  if (!point) return;
  const seq = ++lookupSeq;
  // What was near the old place or of the old category is wrong now; the answer for the new
  // one replaces nothing stale (and a keyboard user does not Tab into links about to vanish).
  // aria-busy tells assistive technology (and the tests) that the list is being looked up.
  $('nearby').replaceChildren();
  $('nearby').toggleAttribute('aria-busy', Boolean(category));
  const params = new URLSearchParams({ lat: point.lat, lon: point.lon });
  if (category) params.set('category', category);
  const status = $('authority');
  status.textContent = tr('Zuständigkeit wird ermittelt …', 'Finding the responsible authority …');
  // The place is set now: a "please give the place" from an earlier check no longer applies.
  for (const id of ['lat', 'lon']) clearFieldError(id);
  if (!$('report-form').querySelector('[aria-invalid=true]')) $('form-error').hidden = true;
  try {
    const answer = await getJson(`/api/v1/jurisdiction?${params}`);
    if (seq !== lookupSeq) return;
    jurisdiction = answer;
    const neighbours = answer.neighbouring_authorities.map((a) => a.name).join(', ');
    status.replaceChildren(
      el('p', { id: 'place-words' }, tr('Ort: ', 'Place: '), el('strong', {}, placeInWords(answer))),
      el('p', {}, tr('Zuständig: ', 'Responsible: '), el('strong', {}, answer.authority.name),
        ` (${kindName(answer.authority.kind)}) – ${answer.area.name}, ${answer.area.kreis.name}`));
    if (answer.near_border) {
      status.append(el('p', { class: 'hint' }, tr(
        `Der Ort liegt nahe der Grenze zu ${neighbours}. Bitte prüfen Sie den Pin.`,
        `The place is close to the border with ${neighbours}. Please check the pin.`)));
    }
  } catch (error) {
    if (seq !== lookupSeq) return;
    jurisdiction = null;
    if (error instanceof ApiProblem && error.status === 0) {
      // Without signal: the report can still be written and kept (see send()).
      status.replaceChildren(el('p', { class: 'hint' }, tr(
        'Ohne Verbindung lässt sich die Zuständigkeit gerade nicht ermitteln. Sie können die Meldung trotzdem absenden: Sie wird auf diesem Gerät gespeichert und von selbst gesendet, sobald wieder eine Verbindung besteht.',
        'Without a connection the responsible authority cannot be found now. You can still send the report: it is kept on this device and sent by itself once there is a connection again.')));
    } else {
      status.replaceChildren(el('p', { class: 'error' }, error instanceof ApiProblem ? error.readerMessage() : String(error)));
    }
  }
  if (category) showNearby(point, category, seq);
  else $('nearby').replaceChildren();
}

/**
 * The pin in words: "bei Briesen, Gemeinde Briesen (Mark)", or with the distance when the
 * nearest known place is farther ("ca. 3,2 km von Briesen, …"; small villages are not known).
 */
function placeInWords(answer) {
  const area = answer.area.state === 'BE'
    ? tr(`Bezirk ${answer.area.name}`, `district of ${answer.area.name}`)
    : tr(`Gemeinde ${answer.area.name}`, `municipality of ${answer.area.name}`);
  const near = answer.nearest_place;
  if (!near) return area;
  if (near.distance_m < 1500) return `${tr('bei', 'near')} ${near.name}, ${area}`;
  const km = new Intl.NumberFormat(tr('de-DE', 'en-GB'), { maximumFractionDigits: 1 }).format(near.distance_m / 1000);
  return `${tr(`ca. ${km} km von`, `about ${km} km from`)} ${near.name}, ${area}`;
}

/** Open reports of the same category within 50 m: maybe it is already known. */
async function showNearby(point, category, seq) {
  const region = $('nearby');
  try {
    const params = new URLSearchParams({ lat: point.lat, lon: point.lon, category });
    const { reports, radius_m: radius } = await getJson(`/api/v1/reports/nearby?${params}`);
    if (seq !== lookupSeq) return;
    if (reports.length === 0) {
      region.replaceChildren();
      return;
    }
    region.replaceChildren(el('div', { class: 'notice' },
      el('p', {}, el('strong', {}, tr(
        `Schon gemeldet? ${plural(reports.length, 'offene Meldung', 'offene Meldungen', '', '')} dieser Kategorie im Umkreis von ${radius} m:`,
        `Already reported? ${plural(reports.length, '', '', 'open report', 'open reports')} of this category within ${radius} m:`))),
      el('ul', {}, reports.slice(0, 5).map((r) => el('li', {},
        el('a', { href: `/report.html?id=${r.id}` }, r.description.slice(0, 80)), ' ',
        lightBadge(r.light), ` · ${Math.round(r.distance_m)} m`))),
      el('p', {}, tr('Wenn es derselbe Mangel ist, können Sie der Meldung dort folgen, statt ihn neu zu melden.',
        'If it is the same problem, you can follow that report instead of filing a new one.'))));
  } catch {
    if (seq === lookupSeq) region.replaceChildren();
  } finally {
    if (seq === lookupSeq) region.removeAttribute('aria-busy');
  }
}

function showCategoryNotice() {
  const chosen = selectedCategory();
  const notice = $('category-notice');
  const text = chosen ? pick(chosen, 'notice') : null;
  notice.textContent = text ?? '';
  notice.hidden = !text;
}

async function fillCategories() {
  categories = await loadCategories();
  const groups = new Map();
  for (const c of categories) {
    const [de, en] = GROUP_NAMES[c.group] ?? [c.group, c.group];
    if (!groups.has(c.group)) groups.set(c.group, el('optgroup', { label: tr(de, en) }));
    groups.get(c.group).append(el('option', { value: c.code }, pick(c, 'name')));
  }
  $('category').append(...groups.values());
}

function updateCount() {
  const used = $('description').value.length;
  $('description-count').textContent = tr(`${used} von ${MAX_DESCRIPTION} Zeichen`, `${used} of ${MAX_DESCRIPTION} characters`);
}

/** Adds chosen files (the input is emptied so the same file can be picked again). */
async function addPhotos(files) {
  const error = $('photo-error');
  error.hidden = true;
  for (const file of files) {
    if (photos.length >= MAX_PHOTOS) {
      showFieldError('photo', tr(`Höchstens ${MAX_PHOTOS} Fotos.`, `At most ${MAX_PHOTOS} photos.`));
      break;
    }
    const prepared = await preparePhoto(file);
    if (prepared.upload.size > MAX_PHOTO_BYTES) {
      showFieldError('photo', tr(`${file.name} ist größer als 10 MB.`, `${file.name} is larger than 10 MB.`));
      continue;
    }
    photos.push({ ...prepared, name: file.name });
  }
  $('photos').value = '';
  renderPhotos();
}

function renderPhotos() {
  $('photo-list').replaceChildren(...photos.map((photo, index) => el('li', {},
    photo.preview
      ? el('img', { src: photo.preview, alt: tr(`Foto ${index + 1}: ${photo.name}`, `Photo ${index + 1}: ${photo.name}`) })
      : el('span', { class: 'no-preview' }, photo.name),
    el('button', {
      type: 'button', class: 'secondary',
      onclick: () => { photos.splice(index, 1); renderPhotos(); $('photos').focus(); },
    }, tr(`Foto ${index + 1} entfernen`, `Remove photo ${index + 1}`)))));
}

/** The fields as the API takes them; `null` for what was left empty. */
function collect() {
  const optional = (id) => $(id).value.trim() || null;
  return {
    category: $('category').value,
    description: $('description').value.trim(),
    lat: parseCoordinate($('lat').value),
    lon: parseCoordinate($('lon').value),
    address: optional('address'),
    email: optional('email'),
    name: optional('name'),
    language: lang(),
  };
}

/** The checks the service makes too, done first so the reader is not sent back and forth. */
function validate(report) {
  const errors = [];
  if (report.lat === null || report.lat < -90 || report.lat > 90) {
    errors.push(['lat', tr('Bitte geben Sie den Ort an: Karte, Standort oder Breitengrad.', 'Please give the place: map, location or latitude.')]);
  }
  if (report.lon === null || report.lon < -180 || report.lon > 180) {
    errors.push(['lon', tr('Bitte geben Sie einen gültigen Längengrad an.', 'Please give a valid longitude.')]);
  }
  if (!report.category) errors.push(['category', tr('Bitte wählen Sie eine Kategorie.', 'Please choose a category.')]);
  if (!report.description) errors.push(['description', tr('Bitte beschreiben Sie den Mangel.', 'Please describe the problem.')]);
  if (report.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(report.email)) {
    errors.push(['email', tr('Das ist keine gültige E-Mail-Adresse.', 'This is not a valid email address.')]);
  }
  return errors;
}

/** Shows errors next to their fields and moves the focus to the first one. */
function showErrors(errors) {
  const form = $('report-form');
  clearFieldErrors(form);
  $('form-error').hidden = true;
  let first = null;
  for (const [field, message] of errors) {
    const target = field.startsWith('photo') ? 'photo' : field;
    if (showFieldError(target, message)) first ??= $(target === 'photo' ? 'photos' : target);
  }
  if (errors.length > 0) {
    $('form-error').textContent = tr('Bitte prüfen Sie die markierten Angaben.', 'Please check the marked fields.');
    $('form-error').hidden = false;
  }
  first?.focus();
}

function showStep(step) {
  $('report-form').hidden = step !== 'form';
  $('preview').hidden = step !== 'preview';
  $('done').hidden = step !== 'done';
  const target = { form: null, preview: $('preview'), done: $('done') }[step];
  target?.focus();
  window.scrollTo(0, 0);
}

/** Exactly the public part: no email, no name. */
function renderPreview(report) {
  const category = selectedCategory();
  const body = $('preview-body');
  body.replaceChildren(
    el('h3', {}, category ? pick(category, 'name') : report.category),
    el('p', { class: 'meta' }, lightBadge('red')),
    el('p', { class: 'preview-description' }, report.description),
    el('dl', {},
      el('dt', {}, tr('Ort', 'Place')),
      el('dd', {}, [report.address, jurisdiction ? placeInWords(jurisdiction) : null, `${report.lat}, ${report.lon}`]
        .filter(Boolean).join(' – ')),
      jurisdiction ? [el('dt', {}, tr('Zuständig', 'Responsible')), el('dd', {}, jurisdiction.authority.name)] : null),
    photos.length > 0
      ? el('ul', { class: 'photos' }, photos.map((p, i) => el('li', {},
        p.preview ? el('img', { src: p.preview, alt: tr(`Foto ${i + 1}`, `Photo ${i + 1}`) }) : p.name)))
      : null,
  );
  $('preview-private').textContent = report.email || report.name
    ? tr('Ihre E-Mail-Adresse und Ihr Name werden nicht veröffentlicht; nur die zuständige Behörde sieht sie.',
      'Your email address and name are not published; only the responsible authority sees them.')
    : tr('Ohne E-Mail-Adresse erhalten Sie keine Nachrichten zu Ihrer Meldung; den Stand sehen Sie über den Link nach dem Absenden.',
      'Without an email address you get no news about your report; the link after sending shows its state.');
}

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function send(report) {
  const button = $('send');
  button.disabled = true;
  $('send-error').hidden = true;
  if (navigator.onLine === false) {
    // No network at all: no point in trying; kept at once.
    await keep(report);
    button.disabled = false;
    return;
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(report)) {
    if (value !== null) form.append(name, String(value));
  }
  for (const photo of photos) form.append('photo', photo.upload, photo.upload.name);
  try {
    const { body } = await sendRaw('POST', '/api/v1/reports', form, { 'Idempotency-Key': idempotencyKey });
    renderDone(body, report);
    showStep('done');
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    if (error.status === 0 || error.status >= 500) {
      // The network failed (or the service is in trouble): kept with the same key, so a filing
      // whose answer was lost on the way back is not filed a second time.
      await keep(report);
      return;
    }
    const fields = error.fieldErrors();
    if (error.status === 0 || error.status === 429 || error.status >= 500 || fields.length === 0) {
      // Nothing to correct in the form: say why, keep the preview, allow sending again with
      // the same key (a retry after a dropped connection must not file twice).
      $('send-error').textContent = error.readerMessage();
      $('send-error').hidden = false;
      if (error.status === 422 && error.problem.type?.endsWith('outside-service-area')) {
        showStep('form');
        showErrors([['lat', error.readerMessage()]]);
      }
    } else {
      showStep('form');
      showErrors(fields.map((f) => [f.field, `${error.readerMessage()} (${f.detail})`]));
    }
  } finally {
    button.disabled = false;
  }
}

/**
 * Keeps the report on this device (outbox.js) to be sent when the network returns, and says
 * so. Where nothing can be kept (storage refused), the preview stays for sending again.
 */
async function keep(report) {
  const category = selectedCategory();
  try {
    await queueReport({
      key: idempotencyKey,
      fields: report,
      photos: photos.map((p) => ({ blob: p.upload, name: p.upload.name })),
      categoryName: category ? { de: category.name_de, en: category.name_en ?? category.name_de } : null,
    });
  } catch {
    $('send-error').textContent = tr(
      'Der Dienst ist nicht erreichbar, und dieser Browser kann die Meldung nicht auf dem Gerät speichern. Bitte lassen Sie die Seite offen und senden Sie später noch einmal.',
      'The service cannot be reached, and this browser cannot keep the report on the device. Please keep the page open and send again later.');
    $('send-error').hidden = false;
    return;
  }
  keptKey = idempotencyKey;
  keptFields = report;
  $('done-heading').textContent = tr('Auf diesem Gerät gespeichert', 'Kept on this device');
  $('done-body').replaceChildren(
    el('p', { class: 'success' }, tr('Ihre Meldung ist auf diesem Gerät gespeichert.', 'Your report is kept on this device.')),
    el('p', {}, tr(
      'Gerade besteht keine Verbindung zum Dienst. Die Meldung wird von selbst gesendet, sobald wieder eine Verbindung besteht – auch wenn Sie diese Seite schließen und später wieder öffnen. Oben unter „Meldungen auf diesem Gerät“ sehen Sie, was wartet, und können es löschen.',
      'There is no connection to the service just now. The report is sent by itself once there is a connection again – even if you close this page and open it later. Under “Reports on this device” above you see what is waiting, and can delete it.')),
    el('p', {}, tr('Sobald sie gesendet ist, erscheint hier der Link zu Ihrer Meldung.', 'Once it is sent, the link to your report appears here.')));
  showStep('done');
  await renderOutbox();
  requestBackgroundSync();
  sendKept();
}

/** A kept report of this page went out: the same thank-you as a filing sent at once. */
function takeSent(item) {
  if (item.key !== keptKey) return false;
  keptKey = null;
  $('done-heading').textContent = tr('Vielen Dank!', 'Thank you!');
  renderDone(item.report, keptFields ?? item.fields);
  $('outbox-status').textContent = tr('Ihre Meldung ist gesendet.', 'Your report has been sent.');
  return true;
}

/** A refused kept report back in the form, with the service's reasons next to the fields. */
async function editKept(item) {
  const { removed } = await removeFromOutbox(item.key);
  if (!removed) return;
  const fields = item.fields;
  for (const id of ['description', 'address', 'email', 'name']) $(id).value = fields[id] ?? '';
  $('category').value = fields.category ?? '';
  showCategoryNotice();
  updateCount();
  photos.splice(0, photos.length, ...item.photos.map((p) => ({
    upload: new File([p.blob], p.name, { type: p.blob.type || 'image/jpeg' }), preview: null, name: p.name,
  })));
  renderPhotos();
  if (typeof fields.lat === 'number' && typeof fields.lon === 'number') picker.set(fields.lat, fields.lon, { zoom: 16 });
  showStep('form');
  const problem = item.problem ?? {};
  const message = tr(problem.detail_de || problem.detail, problem.detail);
  const errors = (problem.errors ?? []).map((e) => [e.field, `${message} (${e.detail})`]);
  showErrors(errors.length > 0 ? errors : [['description', message]]);
}

function renderDone(report, sent) {
  // The reporter's own link: its key shows the report before it is public too.
  const link = `/report.html?id=${report.id}${report.reporter_key ? `&key=${report.reporter_key}` : ''}`;
  const absolute = new URL(link, location.href).href;
  const authority = report.authority.name;
  const paragraphs = [];
  if (report.status === 'unconfirmed') {
    // Not with the authority yet: say so first, then the one thing left to do.
    paragraphs.push(el('p', { class: 'success' }, tr('Ihre Meldung ist gespeichert.', 'Your report is saved.')),
      el('p', {}, tr(`Bitte bestätigen Sie jetzt Ihre E-Mail-Adresse: Wir haben einen Link an ${sent.email} geschickt. Sobald Sie ihn öffnen, geht die Meldung ${withArticle('an', authority)}.`,
        `Please confirm your email address now: we sent a link to ${sent.email}. Once you open it, the report goes to ${authority}.`)));
  } else {
    paragraphs.push(el('p', { class: 'success' }, tr(`Ihre Meldung ist ${withArticle('bei', authority)} eingegangen.`,
      `Your report has reached ${authority}.`)));
  }
  if (report.visibility === 'pending') {
    paragraphs.push(el('p', {}, tr('Öffentlich sichtbar wird sie, sobald die Behörde sie geprüft hat.',
      'It becomes public once the authority has checked it.')));
  }
  $('done-body').replaceChildren(
    ...paragraphs,
    el('p', {}, tr('Den Stand Ihrer Meldung sehen Sie hier – bitte merken Sie sich den Link:',
      'Follow your report here – please keep the link:')),
    el('p', {}, el('a', { href: link, id: 'tracking-link' }, absolute)),
  );
}

// The language switch reloads the page; the typed fields are kept by i18n.js, the chosen
// photos here (as data: URLs, as far as the browser's session storage holds them).
const PHOTO_KEY = 'bb-form-photos';

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

async function savePhotos() {
  if (photos.length === 0) return;
  const kept = [];
  for (const photo of photos) {
    kept.push({ name: photo.name, file: photo.upload.name, type: photo.upload.type, preview: photo.preview, data: await dataUrl(photo.upload) });
    try {
      sessionStorage.setItem(PHOTO_KEY, JSON.stringify(kept));
    } catch {
      kept.pop();
      break;
    }
  }
}

function restorePhotos() {
  let kept;
  try {
    kept = JSON.parse(sessionStorage.getItem(PHOTO_KEY) ?? '[]');
    sessionStorage.removeItem(PHOTO_KEY);
  } catch {
    return;
  }
  for (const photo of kept) {
    // Decoded here: the CSP (connect-src 'self') refuses fetch() of a data: URL.
    const bytes = Uint8Array.from(atob(photo.data.split(',')[1]), (c) => c.charCodeAt(0));
    const blob = new Blob([bytes], { type: photo.type });
    photos.push({ upload: new File([blob], photo.file, { type: photo.type }), preview: photo.preview, name: photo.name });
  }
  if (kept.length > 0) renderPhotos();
}

async function main() {
  initPage('Mangel melden', 'Report a problem');
  updateCount();
  await Promise.all([fillCategories().catch(() => {
    $('form-error').textContent = tr('Die Kategorien konnten nicht geladen werden. Bitte laden Sie die Seite neu.',
      'The categories could not be loaded. Please reload the page.');
    $('form-error').hidden = false;
  }), picker.start()]);
  clearErrorsOnEdit($('report-form'), 'form-error');
  beforeLanguageSwitch(savePhotos);
  $('category').addEventListener('change', () => { showCategoryNotice(); placeOrCategoryChanged(); });
  $('description').addEventListener('input', updateCount);
  $('photos').addEventListener('change', (event) => addPhotos([...event.target.files]));
  $('report-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const report = collect();
    const errors = validate(report);
    showErrors(errors);
    if (errors.length > 0) return;
    idempotencyKey = newIdempotencyKey();
    renderPreview(report);
    showStep('preview');
  });
  $('edit').addEventListener('click', () => { showStep('form'); $('category').focus(); });
  $('send').addEventListener('click', () => send(collect()));
  // After a language switch: what was typed before it, with the pin and the category notice.
  restoreFormState();
  try { restorePhotos(); } catch { /* a broken entry: the photos are chosen again */ }
  // Reports kept on this device earlier: shown, and sent now if the network is there.
  await mountOutboxList({ takeSent, edit: editKept });
  performance.mark('bb-form-ready');
}

main();
