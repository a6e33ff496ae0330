// The shop's API through nginx: JSON in, JSON out, and every failure as an ApiError
// carrying a sentence a shopper can act on.

import { session } from "./state.js";

export class ApiError extends Error {
  constructor(status, code, message, left = null) {
    super(message);
    this.status = status;
    this.code = code;
    // With out_of_stock: the units in stock, for the page to show.
    this.left = left;
  }
}

const UNAVAILABLE = "The shop is unavailable right now. Please try again in a moment.";

function fallbackMessage(status) {
  if (status === 0) return "We can't reach the shop. Check your connection and try again.";
  if (status === 401) return "Please log in again: your session has ended.";
  if (status === 403) return "This belongs to another account. Please log in as its owner.";
  if (status === 404) return "We couldn't find that.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status === 502 || status === 503 || status === 504) return UNAVAILABLE;
  if (status >= 500) return "Something went wrong in the shop. Please try again.";
  return "That request was not accepted.";
}

async function parse(response) {
  const text = await response.text();
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json") && text) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export async function request(method, path, { body, headers = {} } = {}) {
  const sent = { Accept: "application/json", ...headers };
  const token = session().token;
  if (token) sent.Authorization = `Bearer ${token}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api/${path}`, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", fallbackMessage(0));
  }
  const data = await parse(response);
  if (!response.ok) {
    const code = data?.error || `http_${response.status}`;
    // A gateway failure gets our sentence; the function's own message otherwise.
    const own = data && typeof data.message === "string" ? data.message : "";
    const message = response.status >= 502 || !own ? fallbackMessage(response.status) : sentence(own);
    const left = Number.isInteger(data?.left) ? data.left : null;
    throw new ApiError(response.status, code, message, left);
  }
  return data;
}

function sentence(text) {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, body, options = {}) => request("POST", path, { ...options, body });
export const put = (path, options) => request("PUT", path, options);

export const part = encodeURIComponent;
