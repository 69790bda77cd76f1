// Tiny DOM helpers: build elements with text (never innerHTML with data), find by id.

/** `document.getElementById`. */
export const $ = (id) => document.getElementById(id);

/**
 * `el('p', { class: 'hint', 'aria-live': 'polite' }, 'text', child)`: attributes (a `false` or
 * `null` value is left out; `on…` functions become listeners) and children (strings become text;
 * arrays, nested as deep as they come, are spread).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? '' : value);
    }
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Shows `message` in the element with id `${field}-error` and marks the input invalid. */
export function showFieldError(field, message) {
  const error = $(`${field}-error`);
  const input = $(field);
  if (!error) return false;
  error.textContent = message;
  error.hidden = false;
  input?.setAttribute('aria-invalid', 'true');
  return true;
}

/** Hides every field error inside `form`. */
export function clearFieldErrors(form) {
  for (const error of form.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Hides the error of `field` (its `${field}-error`) and clears the input's invalid mark. */
export function clearFieldError(field) {
  const error = $(`${field}-error`);
  if (error) {
    error.hidden = true;
    error.textContent = '';
  }
  $(field)?.removeAttribute('aria-invalid');
}

/**
 * Once the reader changes a field that was marked wrong, its message goes (the next check
 * says again what is still wrong); when no field in `form` is marked any more, the summary
 * (`summaryId`) goes too.
 */
export function clearErrorsOnEdit(form, summaryId) {
  const clear = (event) => {
    const field = event.target;
    if (!field.id || field.getAttribute('aria-invalid') !== 'true') return;
    clearFieldError(field.id);
    const summary = summaryId ? $(summaryId) : null;
    if (summary && !form.querySelector('[aria-invalid=true]')) summary.hidden = true;
  };
  form.addEventListener('input', clear);
  form.addEventListener('change', clear);
}
