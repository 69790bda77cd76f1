// The citizen's word on a report marked fixed (green) or handled (yellow-green): "still not
// fixed" or "fixed", from the reporter's own link (`key`) or the link in a follower's status
// mail (`follower` + `fkey`). Shown only to them and only in those two lights; the server
// checks the key and that each person answers once per state. Photos may come along; the
// authority releases them before anyone else sees them.
import { send } from './api.js';
import { $, clearErrorsOnEdit, clearFieldErrors, showFieldError } from './dom.js';
import { tr } from './i18n.js';
import { announce } from './page.js';
import { preparePhoto } from './photo-resize.js';

/** As many photos as the service takes with one answer. */
const MAX_PHOTOS = 3;

let wired = false;

/** Shows the form for `report` when the page's link proves a reporter or follower. */
export function setUpFeedback(report, params, onDone) {
  const section = $('feedback');
  const key = params.get('fkey')?.trim() || params.get('key')?.trim() || '';
  const follower = params.get('fkey') ? params.get('follower')?.trim() ?? '' : '';
  const done = report.light === 'green' || report.light === 'yellow_green';
  section.hidden = !(key && done && report.visibility === 'published');
  if (section.hidden || wired) return;
  wired = true;
  const form = $('feedback-form');
  const result = $('feedback-result');
  clearErrorsOnEdit(form);
  if (location.hash === '#feedback') section.focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    result.replaceChildren();
    const kind = form.querySelector('input[name=feedback-kind]:checked')?.value ?? 'not_fixed';
    const text = $('feedback-text').value.trim();
    if (kind === 'not_fixed' && !text) {
      showFieldError('feedback-text', tr('Bitte beschreiben Sie, was noch nicht in Ordnung ist.',
        'Please describe what is still wrong.'));
      $('feedback-text').focus();
      return;
    }
    const files = [...$('feedback-photos').files];
    if (files.length > MAX_PHOTOS) {
      showFieldError('feedback-photos', tr(`Bitte höchstens ${MAX_PHOTOS} Fotos wählen.`,
        `Please choose at most ${MAX_PHOTOS} photos.`));
      $('feedback-photos').focus();
      return;
    }
    const fields = { kind, key };
    if (text) fields.text = text;
    if (follower) fields.follower = follower;
    const button = $('feedback-submit');
    button.disabled = true;
    try {
      // With photos the same fields go as a form, each photo made smaller first.
      let body = fields;
      if (files.length > 0) {
        body = new FormData();
        for (const [name, value] of Object.entries(fields)) body.append(name, value);
        for (const file of files) body.append('photo', (await preparePhoto(file)).upload);
      }
      const answer = await send('POST', `/api/v1/reports/${encodeURIComponent(report.id)}/feedback`, body);
      form.hidden = true;
      announce(result, answer.reopen_requested && kind === 'not_fixed'
        ? tr('Danke. Die Behörde sieht Ihre Rückmeldung und entscheidet, ob sie die Meldung wieder öffnet.',
          'Thank you. The authority sees your answer and decides whether to reopen the report.')
        : tr('Danke für Ihre Rückmeldung.', 'Thank you for your answer.'), 'success');
      // The result region stays outside the hidden form, so it is read and seen.
      section.append(result);
      await onDone();
    } catch (problem) {
      const photoError = problem.fieldErrors?.().find((e) => e.field?.startsWith('photo'));
      if (photoError) showFieldError('feedback-photos', problem.readerMessage());
      announce(result, problem.readerMessage?.() ?? String(problem), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
