/* Form plumbing: values, 422 errors next to their fields, posting with a stale-answer check. */

import { post, failureText } from "./api.js";
import { $, each, obj, setMessage, str } from "./dom.js";
import { t } from "./texts.js";

export function clearErrors(form, messageNode) {
  each(form.querySelectorAll(".field-error"), (node) => {
    node.textContent = "";
    node.hidden = true;
  });
  each(form.querySelectorAll("[aria-invalid]"), (node) => node.removeAttribute("aria-invalid"));
  setMessage(messageNode, "");
}

/** Each 422 error next to its field; errors for fields the form lacks go to the message. */
function showErrors(form, errors, messageNode) {
  clearErrors(form, messageNode);
  const rest = [];
  let first = null;
  Object.keys(errors).forEach((name) => {
    let slot = null;
    each(form.querySelectorAll("[data-error-for]"), (node) => {
      if (node.getAttribute("data-error-for") === name) slot = node;
    });
    const input = slot && form.elements.namedItem(name);
    if (!input) {
      rest.push(str(errors[name]));
      return;
    }
    slot.textContent = str(errors[name]);
    slot.hidden = false;
    slot.id = form.id + "-error-" + name;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", slot.id);
    first = first || input;
  });
  const text = rest.length ? rest.join(t("page.errors.list_separator")) : t("page.errors.fix_fields");
  setMessage(messageNode, text, "error");
  if (first) first.focus();
}

export function formValues(form, names) {
  const values = {};
  names.forEach((name) => {
    values[name] = form.elements.namedItem(name).value.trim();
  });
  return values;
}

/**
 * POST values from a form. 422 errors go next to the fields, other failures to the form's
 * message; on an `ok` status the button stays disabled and done(data) decides. stale() drops an
 * answer that arrives after the agent moved on.
 */
export function sendForm(form, values, path, ok, stale, done) {
  const submit = form.querySelector("[type=submit]");
  const message = $(form.id + "-message");
  clearErrors(form, message);
  submit.disabled = true;
  post(path, values).then(
    (res) => {
      if (stale()) return;
      if (ok.indexOf(res.status) >= 0) return done(res.data);
      submit.disabled = false;
      if (res.status === 422) return showErrors(form, obj(res.data.errors), message);
      // A 409 with its own messages (e.g. a quote set at the same moment) says them.
      if (res.status === 409 && res.data && res.data.errors) {
        return showErrors(form, obj(res.data.errors), message);
      }
      const text = { 404: "page.errors.not_found", 409: "page.errors.not_held_submit" }[res.status];
      setMessage(message, t(text || "page.errors.submit_failed"), "error");
    },
    (err) => {
      if (stale()) return;
      submit.disabled = false;
      setMessage(message, failureText(err), "error");
    }
  );
}
