// The "who is responsible?" page: asks the jurisdiction API for a typed or located point.
const $ = (id) => document.getElementById(id);

const KIND_NAMES = {
  bezirksamt: 'Bezirksamt', amt: 'Amt', verbandsgemeinde: 'Verbandsgemeinde',
  erfuellende_gemeinde: 'erfüllende Gemeinde', amtsfreie_gemeinde: 'amtsfreie Gemeinde',
  amtsfreie_stadt: 'amtsfreie Stadt', kreisfreie_stadt: 'kreisfreie Stadt',
  landkreis: 'Landkreis', state_agency: 'Landesbehörde',
};

let categories = [];

function text(tag, content, className) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

function showFieldError(field, message) {
  const error = $(`${field}-error`);
  const input = $(field);
  if (!error || !input) return false;
  error.textContent = message;
  error.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  return true;
}

function clearErrors() {
  for (const field of ['lat', 'lon']) {
    $(`${field}-error`).hidden = true;
    $(field).removeAttribute('aria-invalid');
  }
}

function renderAnswer(answer) {
  const result = $('result');
  result.replaceChildren();
  const box = document.createElement('div');
  box.className = 'answer';
  box.append(text('h3', answer.authority.name));
  box.append(text('p', `${KIND_NAMES[answer.authority.kind] ?? answer.authority.kind} · zuständig für ${answer.area.name} (${answer.area.kreis.name})`));
  if (answer.authority.key !== answer.municipal_authority.key) {
    box.append(text('p', `Für diese Kategorie statt der Gemeindeverwaltung (${answer.municipal_authority.name}).`));
  }
  if (answer.match === 'nearest') {
    box.append(text('p', `Der Punkt liegt knapp außerhalb der Gemeindegrenze (${Math.round(answer.distance_m)} m); zugeordnet wurde die nächstgelegene Gemeinde.`, 'hint'));
  }
  if (answer.near_border) {
    const names = answer.neighbouring_authorities.map((a) => a.name).join(', ');
    box.append(text('p', `Achtung: Der Ort liegt nahe der Grenze zu ${names}. Bitte prüfen Sie die Position.`, 'hint'));
  }
  result.append(box);
}

function renderProblem(problem) {
  const field = problem.errors?.[0]?.field;
  const message = problem.detail_de || problem.detail || 'Unbekannter Fehler';
  if (field && showFieldError(field, message)) return;
  $('result').replaceChildren(text('p', message, 'error'));
}

async function locate(lat, lon) {
  clearErrors();
  const params = new URLSearchParams({ lat, lon });
  const category = $('category').value;
  if (category) params.set('category', category);
  $('result').replaceChildren(text('p', 'Suche …'));
  try {
    const response = await fetch(`/api/v1/jurisdiction?${params}`);
    const body = await response.json();
    if (response.ok) renderAnswer(body); else renderProblem(body);
  } catch {
    $('result').replaceChildren(text('p', 'Der Dienst ist gerade nicht erreichbar.', 'error'));
  }
}

function showNotice() {
  const chosen = categories.find((c) => c.code === $('category').value);
  const notice = $('category-notice');
  notice.textContent = chosen?.notice_de ?? '';
  notice.hidden = !chosen?.notice_de;
}

async function loadCategories() {
  const response = await fetch('/api/v1/categories');
  if (!response.ok) return;
  categories = (await response.json()).categories;
  for (const c of categories) {
    const option = document.createElement('option');
    option.value = c.code;
    option.textContent = c.name_de;
    $('category').append(option);
  }
}

async function loadAttribution() {
  const response = await fetch('/api/v1/attribution');
  if (!response.ok) return;
  const { boundaries } = await response.json();
  const list = $('attribution');
  list.replaceChildren(...boundaries.map((s) => {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = s.licence_url;
    link.textContent = s.licence;
    item.append(`${s.attribution} – `, link);
    return item;
  }));
}

$('locate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  locate($('lat').value.trim().replace(',', '.'), $('lon').value.trim().replace(',', '.'));
});
$('category').addEventListener('change', showNotice);
$('use-location').addEventListener('click', () => {
  if (!navigator.geolocation) {
    $('result').replaceChildren(text('p', 'Ihr Browser kann den Standort nicht bestimmen.', 'error'));
    return;
  }
  navigator.geolocation.getCurrentPosition(
    ({ coords }) => {
      $('lat').value = coords.latitude.toFixed(6);
      $('lon').value = coords.longitude.toFixed(6);
      locate(coords.latitude, coords.longitude);
    },
    () => $('result').replaceChildren(text('p', 'Der Standort konnte nicht bestimmt werden.', 'error')),
  );
});

loadCategories();
loadAttribution();
