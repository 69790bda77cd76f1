// One way for every clerk form to talk to the API: clear old errors, block double submits,
// put each refused field's message next to that field, show conflicts (409) and other problems
// at the top of the form, and announce the outcome in the page's status region, because a
// clerk on a phone may not see the part of the page that changed.
import { ApiProblem } from './api.js';
import { $, clearFieldErrors, showFieldError } from './dom.js';
import { tr } from './i18n.js';
import { announce } from './page.js';

/**
 * Runs `action()` for `form` (ids of its fields start with `prefix-`, its general error
 * paragraph is `prefix-error`). Returns the action's result, or undefined when it failed.
 */
export async function submitForm(form, prefix, action, { status, success } = {}) {
  clearFieldErrors(form);
  const general = $(`${prefix}-error`);
  if (general) { general.hidden = true; general.textContent = ''; }
  const buttons = [...form.querySelectorAll('button')];
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    const result = await action();
    if (status && success) announce(status, typeof success === 'function' ? success(result) : success, 'success');
    return result;
  } catch (error) {
    showProblem(error, prefix, general, status);
    return undefined;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    form.removeAttribute('aria-busy');
  }
}

function showProblem(error, prefix, general, status) {
  if (!(error instanceof ApiProblem)) throw error;
  let placed = false;
  for (const { field, detail } of error.fieldErrors()) {
    if (showFieldError(`${prefix}-${field}`, detail)) placed = true;
  }
  // A 401 anywhere but the log-in form means the session ran out; at log-in it means a wrong
  // address or password, said in plain words (the service's own text is for API clients).
  let message = error.readerMessage();
  if (error.status === 401 && prefix === 'login') {
    message = tr('E-Mail-Adresse oder Passwort stimmen nicht. Bitte prüfen Sie beides und versuchen Sie es noch einmal.',
      'The email address or the password is wrong. Please check both and try again.');
  } else if (error.status === 401) {
    message = tr('Ihre Sitzung ist abgelaufen. Bitte laden Sie die Seite neu und melden Sie sich wieder an.',
      'Your session has ended. Please reload the page and sign in again.');
  }
  if (!placed && general) {
    general.textContent = message;
    general.hidden = false;
  }
  if (status) announce(status, message, 'error');
  // The first refused field (or the form's message) gets focus, so keyboard and screen-reader
  // users land where the fix is.
  const target = general?.closest('form')?.querySelector('[aria-invalid=true]') ?? (general && !general.hidden ? general : null);
  if (target) {
    if (!target.matches('input, select, textarea, button')) target.tabIndex = -1;
    target.focus();
  }
}

/**
 * The trimmed value of the required field `prefix-field`; when it is blank, throws a problem
 * shaped like the service's 400, so `submitForm` shows it next to the field like any other.
 */
export function requireText(prefix, field, de, en) {
  const value = $(`${prefix}-${field}`).value.trim();
  if (!value) {
    throw new ApiProblem(400, { detail: en, detail_de: de, errors: [{ field, detail: tr(de, en) }] });
  }
  return value;
}
