// The form page's list of reports kept on this device (outbox.js): what waits for a
// connection, what the service refused (with its reason, to change in the form or delete) and
// what went out in the meantime (with the reporter's link, until the citizen clears it).
import { $, el } from './dom.js';
import { formatDate, lang, plural, tr, withArticle } from './i18n.js';
import { dismissSent, listOutbox, onOutboxChange, removeFromOutbox, retryNow } from './outbox.js';
import { sendKept } from './pwa.js';

let hooks;
let sendingKey = null;

/**
 * Shows the list in `#outbox` and keeps it current. `hooks.takeSent(item)` may claim a sent
 * report (the thank-you on this page shows it; answer true) and `hooks.edit(item)` puts a
 * refused one back into the form.
 */
export function mountOutboxList(pageHooks) {
  hooks = pageHooks;
  onOutboxChange((message) => {
    sendingKey = message.type === 'sending' ? message.key : null;
    render();
  });
  addEventListener('online', () => render());
  addEventListener('offline', () => render());
  return render();
}

/** Says something to screen readers (and shows it under the list). */
function announce(text) {
  $('outbox-status').textContent = text;
}

function excerpt(text) {
  return text.length > 80 ? `${text.slice(0, 77)} …` : text;
}

function title(item) {
  const category = item.categoryName ? (lang() === 'en' ? item.categoryName.en : item.categoryName.de) : null;
  return [category, excerpt(item.fields.description ?? '')].filter(Boolean).join(' – ');
}

function problemText(problem) {
  const text = tr(problem.detail_de || problem.detail, problem.detail);
  const fields = (problem.errors ?? []).map((e) => e.detail).filter(Boolean);
  return fields.length > 0 ? `${text} (${fields.join('; ')})` : text;
}

function stateLine(item) {
  if (item.state === 'sent') {
    return el('p', { class: 'success' }, tr(`Gesendet – eingegangen ${withArticle('bei', item.report.authority.name)}.`,
      `Sent – received by ${item.report.authority.name}.`));
  }
  if (item.state === 'refused') {
    return el('p', { class: 'error' }, tr('Nicht angenommen: ', 'Not accepted: '), problemText(item.problem));
  }
  if (item.key === sendingKey) return el('p', { class: 'outbox-waiting' }, tr('Wird gesendet …', 'Sending …'));
  const trouble = item.attempts > 0 && item.notBefore > Date.now()
    ? tr(' Der Dienst war eben nicht erreichbar; neuer Versuch von selbst.', ' The service could not take it just now; it is tried again by itself.')
    : '';
  return el('p', { class: 'outbox-waiting' }, el('strong', {}, tr('Wartet auf Verbindung.', 'Waiting for a connection.')),
    tr(' Wird von selbst gesendet, sobald das Gerät wieder online ist – auch wenn Sie die Seite schließen.',
      ' It is sent by itself once the device is online again – even if you close the page.'), trouble);
}

function actions(item) {
  const name = title(item);
  const buttons = [];
  if (item.state === 'sent') {
    const link = `/report.html?id=${item.report.id}${item.report.reporter_key ? `&key=${item.report.reporter_key}` : ''}`;
    return [
      el('p', {}, tr('Den Stand sehen Sie hier – bitte merken Sie sich den Link: ', 'Follow it here – please keep the link: '),
        el('a', { href: link, class: 'outbox-link' }, new URL(link, location.href).href)),
      el('div', { class: 'actions' }, el('button', {
        type: 'button', class: 'secondary', 'aria-label': tr(`Aus der Liste entfernen: ${name}`, `Remove from the list: ${name}`),
        onclick: async () => { await dismissSent(item.key); announce(tr('Aus der Liste entfernt.', 'Removed from the list.')); },
      }, tr('Aus der Liste entfernen', 'Remove from the list'))),
    ];
  }
  if (item.state === 'refused') {
    buttons.push(el('button', {
      type: 'button', class: 'secondary', 'aria-label': tr(`Im Formular ändern: ${name}`, `Change in the form: ${name}`),
      onclick: () => hooks.edit(item),
    }, tr('Im Formular ändern', 'Change in the form')));
  }
  if (item.key !== sendingKey) {
    buttons.push(el('button', {
      type: 'button', class: 'secondary', 'aria-label': tr(`Jetzt senden: ${name}`, `Send now: ${name}`),
      onclick: async () => { await retryNow(item.key); await sendKept(); },
    }, tr('Jetzt senden', 'Send now')));
  }
  buttons.push(el('button', {
    type: 'button', class: 'secondary', 'aria-label': tr(`Meldung löschen: ${name}`, `Delete report: ${name}`),
    onclick: () => remove(item),
  }, tr('Löschen', 'Delete')));
  return [el('div', { class: 'actions' }, buttons)];
}

async function remove(item) {
  if (!confirm(tr(`Diese Meldung wirklich löschen? Sie wird dann nicht gesendet.\n\n${title(item)}`,
    `Really delete this report? It will not be sent.\n\n${title(item)}`))) return;
  const { removed } = await removeFromOutbox(item.key);
  announce(removed
    ? tr('Die Meldung ist gelöscht und wird nicht gesendet.', 'The report is deleted and will not be sent.')
    : tr('Die Meldung war schon unterwegs und ist eingegangen; hier ist ihr Link.', 'The report had already gone out and was received; here is its link.'));
  // The button is gone: the focus goes to the list, or to the page when the list is empty.
  await render();
  ($('outbox').hidden ? $('main') : $('outbox-heading')).focus();
}

let rendering = Promise.resolve();
/** Re-reads the store and redraws (one redraw at a time, in order). */
export function render() {
  rendering = rendering.then(draw, draw);
  return rendering;
}

async function draw() {
  let items;
  try {
    items = await listOutbox();
  } catch {
    return;
  }
  const shown = [];
  for (const item of items) {
    if (item.state === 'sent' && hooks.takeSent(item)) {
      await dismissSent(item.key).catch(() => {});
      continue;
    }
    shown.push(item);
  }
  const section = $('outbox');
  section.hidden = shown.length === 0;
  if (shown.length === 0) {
    $('outbox-list').replaceChildren();
    return;
  }
  const waiting = shown.filter((i) => i.state === 'waiting').length;
  $('outbox-summary').hidden = waiting === 0;
  $('outbox-summary').textContent = waiting > 0
    ? tr(`${plural(waiting, 'Meldung wartet', 'Meldungen warten', '', '')} auf Verbindung${navigator.onLine === false ? ' – das Gerät ist gerade offline' : ''}.`,
      `${plural(waiting, '', '', 'report is', 'reports are')} waiting for a connection${navigator.onLine === false ? ' – the device is offline now' : ''}.`)
    : '';
  $('outbox-list').replaceChildren(...shown.map((item) => el('li', { class: `outbox-item outbox-${item.state}`, 'data-key': item.key },
    el('p', { class: 'outbox-title' }, el('strong', {}, title(item))),
    el('p', { class: 'meta' }, tr(`Erstellt ${formatDate(item.createdAt)}`, `Written ${formatDate(item.createdAt)}`),
      item.photos?.length ? ` · ${plural(item.photos.length, 'Foto', 'Fotos', 'photo', 'photos')}` : ''),
    stateLine(item),
    actions(item))));
}
