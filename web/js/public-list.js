// The list of public reports (`GET /api/v1/reports`), paged with the keyset cursor behind a
// "load more" button. It is the map's full alternative: the same filters, every report
// reachable by keyboard and screen reader, no map needed. The map page and the authority
// page both use it.
import { getJson } from './api.js';
import { el } from './dom.js';
import { tr } from './i18n.js';
import { reportListItem } from './public-common.js';

/**
 * Builds the list inside `container` (status line, list, button) and returns
 * `{ show(params) }`: `params` are the API's filters (`status`, `category`, `bbox`, `authority`).
 */
export function reportList(container, { pageSize = 20, headingLevel = 'h3', label } = {}) {
  const status = el('p', { class: 'list-status', role: 'status', 'aria-live': 'polite' });
  const list = el('ol', { class: 'report-list', 'aria-label': label ?? tr('Meldungen', 'Reports') });
  const more = el('button', { type: 'button', class: 'secondary', hidden: true },
    tr('Weitere Meldungen laden', 'Load more reports'));
  container.replaceChildren(status, list, more);

  let filters = {};
  let cursor = null;
  let shown = 0;
  // A newer `show` makes older answers stale; they must not land in the list.
  let generation = 0;

  async function loadPage(first) {
    const mine = ++generation;
    const query = new URLSearchParams({ limit: String(pageSize) });
    for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
    if (!first && cursor) query.set('cursor', cursor);
    more.disabled = true;
    container.setAttribute('aria-busy', 'true');
    try {
      const page = await getJson(`/api/v1/reports?${query}`);
      if (mine !== generation) return;
      const items = page.reports.map((r) => reportListItem(r, headingLevel));
      if (first) list.replaceChildren(...items); else list.append(...items);
      shown = first ? items.length : shown + items.length;
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = statusText(shown, Boolean(cursor), filters.sort === 'supporters');
      // After "load more", continue where the reader was: on the first new entry.
      if (!first) items[0]?.querySelector('a')?.focus();
    } catch (problem) {
      if (mine !== generation) return;
      status.replaceChildren(el('span', { class: 'error' },
        tr('Die Liste konnte nicht geladen werden: ', 'The list could not be loaded: '),
        problem.readerMessage?.() ?? String(problem)));
    } finally {
      if (mine === generation) {
        more.disabled = false;
        container.removeAttribute('aria-busy');
      }
    }
  }

  more.addEventListener('click', () => loadPage(false));

  return {
    show(params) {
      filters = params;
      cursor = null;
      return loadPage(true);
    },
  };
}

function statusText(count, hasMore, bySupporters) {
  if (count === 0) return tr('Keine Meldungen gefunden.', 'No reports found.');
  if (hasMore && bySupporters) {
    return tr(`Die ${count} meistunterstützten Meldungen werden gezeigt.`, `Showing the ${count} most supported reports.`);
  }
  if (hasMore) return tr(`Die neuesten ${count} Meldungen werden gezeigt.`, `Showing the newest ${count} reports.`);
  return count === 1 ? tr('1 Meldung gefunden.', '1 report found.')
    : tr(`${count} Meldungen gefunden.`, `${count} reports found.`);
}
