// Marking parts of a photo to make unrecognisable (faces, number plates) on /clerk/report.html.
// Three ways to mark a rectangle, all ending in the same list: drawing with the mouse or a
// finger (pointer events; `touch-action: none` on the stage keeps a drag from scrolling), and
// the keyboard's selection box — a button moved by the arrow keys, resized with Shift and the
// arrow keys, added with Enter. Rectangles are kept in the photo's own pixels (its web size,
// which the server checks them against) and drawn in percentages, so they follow the image
// when the page reflows. Applying sends them; the server pixelates and answers with the report.
import { send } from './api.js';
import { $, el } from './dom.js';
import { tr } from './i18n.js';
import { announce } from './page.js';

/** The server's limits (`photos::MAX_AREAS`, `photos::MIN_AREA_SIDE`). */
const MAX_AREAS = 20;
const MIN_SIDE = 8;

let current = null; // { reportId, photo, label, areas: [], selection: {x, y, width, height} }
let onDone = () => {};
let status;

/** Wires the panel once; `done(report, message)` redraws the page after a redaction. */
export function wireRedaction({ statusRegion, done }) {
  status = statusRegion;
  onDone = done;
  const selection = $('redact-selection');
  selection.addEventListener('keydown', keyOnSelection);
  selection.addEventListener('click', () => addArea({ ...current.selection }));
  const stage = $('redact-stage');
  stage.addEventListener('pointerdown', startDrawing);
  $('redact-apply').addEventListener('click', apply);
  $('redact-cancel').addEventListener('click', close);
}

/** Opens the panel for `photo` (with its `width`/`height` in pixels) of report `reportId`. */
export function openRedaction(reportId, photo, label) {
  const { width, height } = photo;
  const side = Math.max(MIN_SIDE, Math.round(Math.min(width, height) / 5));
  current = {
    reportId, photo, label, areas: [],
    selection: { x: Math.round((width - side) / 2), y: Math.round((height - side) / 2), width: side, height: side },
  };
  $('redact-title').textContent = tr(`${label}: Bereiche unkenntlich machen`, `${label}: make areas unrecognisable`);
  const image = $('redact-image');
  image.alt = tr(`${label}, zum Markieren`, `${label}, for marking`);
  image.width = width;
  image.height = height;
  image.src = `/api/v1/admin/reports/${reportId}/photos/${photo.id}/web`;
  $('redact-error').hidden = true;
  $('redact').hidden = false;
  draw();
  $('redact-title').focus();
}

/** Closes the panel when its photo is gone from the report (redacted, or a redraw). */
export function syncRedaction(report) {
  if (current && !report.photos.some((p) => p.id === current.photo.id)) close();
}

function close() {
  current = null;
  $('redact').hidden = true;
  $('redact-image').removeAttribute('src');
}

/** The step of a key press: a 50th of the photo's longer side, at least 4 pixels. */
function step() {
  return Math.max(4, Math.round(Math.max(current.photo.width, current.photo.height) / 50));
}

function keyOnSelection(event) {
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  const move = moves[event.key];
  if (!move) return;
  event.preventDefault();
  const s = current.selection;
  const { width, height } = current.photo;
  const [dx, dy] = move.map((d) => d * step());
  if (event.shiftKey) {
    s.width = clamp(s.width + dx, MIN_SIDE, width - s.x);
    s.height = clamp(s.height + dy, MIN_SIDE, height - s.y);
  } else {
    s.x = clamp(s.x + dx, 0, width - s.width);
    s.y = clamp(s.y + dy, 0, height - s.height);
  }
  draw();
}

function clamp(value, min, max) {
  return Math.min(Math.max(value, min), max);
}

/** The photo pixel under a pointer event, kept inside the photo. */
function photoPoint(event) {
  const box = $('redact-image').getBoundingClientRect();
  const { width, height } = current.photo;
  return {
    x: clamp(Math.round(((event.clientX - box.left) / box.width) * width), 0, width),
    y: clamp(Math.round(((event.clientY - box.top) / box.height) * height), 0, height),
  };
}

function startDrawing(event) {
  // The selection box is the keyboard's: a press on it is its click, not a drawing.
  if (!current || event.target === $('redact-selection') || event.button > 0) return;
  event.preventDefault();
  const stage = $('redact-stage');
  stage.setPointerCapture(event.pointerId);
  const from = photoPoint(event);
  const rect = (to) => ({
    x: Math.min(from.x, to.x), y: Math.min(from.y, to.y),
    width: Math.abs(to.x - from.x), height: Math.abs(to.y - from.y),
  });
  const moved = (e) => {
    if (e.pointerId !== event.pointerId) return;
    current.drawing = rect(photoPoint(e));
    draw();
  };
  const ended = (e) => {
    if (e.pointerId !== event.pointerId) return;
    stage.removeEventListener('pointermove', moved);
    stage.removeEventListener('pointerup', ended);
    stage.removeEventListener('pointercancel', ended);
    const drawn = rect(photoPoint(e));
    current.drawing = null;
    if (e.type === 'pointerup' && drawn.width >= MIN_SIDE && drawn.height >= MIN_SIDE) {
      current.selection = { ...drawn };
      addArea(drawn);
    } else {
      draw();
    }
  };
  stage.addEventListener('pointermove', moved);
  stage.addEventListener('pointerup', ended);
  stage.addEventListener('pointercancel', ended);
}

function describe(a) {
  return tr(`links ${a.x}, oben ${a.y}, ${a.width} × ${a.height} Pixel`,
    `left ${a.x}, top ${a.y}, ${a.width} × ${a.height} pixels`);
}

function addArea(area) {
  if (current.areas.length >= MAX_AREAS) {
    announce(status, tr(`Höchstens ${MAX_AREAS} Bereiche auf einmal.`, `At most ${MAX_AREAS} areas at once.`), 'error');
    return;
  }
  current.areas.push(area);
  draw();
  announce(status, tr(`Bereich ${current.areas.length} hinzugefügt: ${describe(area)}.`,
    `Area ${current.areas.length} added: ${describe(area)}.`));
}

function removeArea(index) {
  current.areas.splice(index, 1);
  draw();
  announce(status, tr(`Bereich ${index + 1} entfernt.`, `Area ${index + 1} removed.`));
  // The button that had focus is gone: the next one, or the selection box, takes it.
  const buttons = document.querySelectorAll('#redact-list button');
  (buttons[Math.min(index, buttons.length - 1)] ?? $('redact-selection')).focus();
}

/** Places a box over the image in percentages of the photo's size. */
function place(node, a) {
  const { width, height } = current.photo;
  node.style.left = `${(a.x / width) * 100}%`;
  node.style.top = `${(a.y / height) * 100}%`;
  node.style.width = `${(a.width / width) * 100}%`;
  node.style.height = `${(a.height / height) * 100}%`;
}

function draw() {
  const marks = current.areas.map((a, i) => {
    const mark = el('div', { class: 'redact-mark' }, el('span', { class: 'redact-number' }, String(i + 1)));
    place(mark, a);
    return mark;
  });
  if (current.drawing) {
    const drawing = el('div', { class: 'redact-drawing' });
    place(drawing, current.drawing);
    marks.push(drawing);
  }
  $('redact-marks').replaceChildren(...marks);
  place($('redact-selection'), current.selection);
  $('redact-where').textContent = tr(`Auswahlrahmen: ${describe(current.selection)}.`,
    `Selection box: ${describe(current.selection)}.`);
  $('redact-list').replaceChildren(...(current.areas.length ? current.areas.map((a, i) => el('li', {},
    el('span', {}, tr(`Bereich ${i + 1}: `, `Area ${i + 1}: `), describe(a)), ' ',
    el('button', { type: 'button', class: 'secondary', onclick: () => removeArea(i) },
      tr(`Bereich ${i + 1} entfernen`, `Remove area ${i + 1}`))))
    : [el('li', { class: 'meta' }, tr('Noch keine.', 'None yet.'))]));
  $('redact-apply').disabled = current.areas.length === 0;
}

async function apply() {
  const error = $('redact-error');
  error.hidden = true;
  const button = $('redact-apply');
  button.disabled = true;
  const { reportId, photo, label, areas } = current;
  try {
    const report = await send('POST', `/api/v1/admin/reports/${reportId}/photos/${photo.id}/redaction`, { areas });
    close();
    onDone(report, tr(`${label} ist unkenntlich gemacht (${areas.length} ${areas.length === 1 ? 'Bereich' : 'Bereiche'}); das unveränderte Foto ist gelöscht.`,
      `${label} is made unrecognisable (${areas.length} ${areas.length === 1 ? 'area' : 'areas'}); the unchanged photo is deleted.`));
  } catch (problem) {
    button.disabled = false;
    error.textContent = problem.readerMessage?.() ?? String(problem);
    error.hidden = false;
    announce(status, error.textContent, 'error');
  }
}
