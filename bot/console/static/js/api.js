/*
 * Requests to the console's API. Every path is relative to the console's page (api/...), so the
 * mount point can change. A 401 on any request but the sign-in's own ends the session.
 */

import { toast } from "./dom.js";
import { t } from "./texts.js";

/** The console's base URL (this module lives in js/). */
export const BASE = new URL("../", import.meta.url).href;
const CSRF = "shouhou-console";
/** A 401 on these is an answer for the caller, not an expired session. */
const OWN_401 = { "api/login": true, "api/me": true };

export class ApiError extends Error {
  /** kind: network | aborted | unauthorized | http. */
  constructor(kind, status) {
    super(kind + " " + status);
    this.kind = kind;
    this.status = status;
  }
}

let onExpired = () => {};

/** What to do when the session has expired (a 401): sign-in.js brings the login view back. */
export function whenExpired(fn) {
  onExpired = fn;
}

/** null for an empty or non-JSON body (an HTML error page from a proxy, say). */
function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch (e) {
    return null;
  }
}

function objectOf(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/**
 * Resolves {status, data} for any HTTP answer but a 401; rejects with an ApiError. A
 * background request (polling) does not keep the session alive.
 */
export function api(method, path, body, signal, background) {
  const headers = { Accept: "application/json", "X-Requested-With": CSRF };
  if (background) headers["X-Console-Background"] = "1";
  const init = { method: method, credentials: "same-origin", headers: headers, cache: "no-store" };
  if (signal) init.signal = signal;
  if (method === "POST") {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body || {});
  }
  return fetch(new URL(path, BASE).href, init)
    .then((response) =>
      response.text().then((text) => {
        if (response.status === 401 && !OWN_401[path]) {
          onExpired();
          throw new ApiError("unauthorized", 401);
        }
        return { status: response.status, data: objectOf(parseJson(text)) };
      })
    )
    .catch((err) => {
      if (err instanceof ApiError) throw err;
      throw new ApiError(err && err.name === "AbortError" ? "aborted" : "network", 0);
    });
}

export function post(path, body) {
  return api("POST", path, body);
}

export function expect(result, status) {
  if (result.status !== status) throw new ApiError("http", result.status);
  return result.data;
}

export function handoffPath(id, action) {
  return "api/handoffs/" + encodeURIComponent(id) + "/" + action;
}

/** The text for a failed request; "" when a 401 has already brought the login view back. */
export function failureText(err, fallback) {
  if (!(err instanceof ApiError)) window.console.error(err);
  if (err && err.kind === "unauthorized") return "";
  return err && err.kind === "network" ? t("page.errors.network") : fallback || t("page.errors.failed");
}

export function actionFailed(err) {
  const text = failureText(err);
  if (text) toast(text, true);
}
