// The shopper's operations, each one or two API calls; views call these, never fetch.

import { get, part, post, put, ApiError } from "./api.js";
import * as state from "./state.js";

const listeners = new Set();

export function onCartChange(listener) {
  listeners.add(listener);
}

function changed(cart) {
  if (!state.userName() && state.anonymousId()) state.setAnonymousItems(robotCount(cart));
  for (const listener of listeners) listener(cart);
  return cart;
}

export function robotCount(cart) {
  return cart.items.filter((item) => item.sku !== "SHIP").reduce((n, item) => n + item.qty, 0);
}

export async function ensureAnonymousId() {
  if (!state.anonymousId()) {
    const { uuid } = await get("user/uniqueid");
    state.setAnonymousId(uuid);
  }
  return state.anonymousId();
}

export const categories = () => get("catalogue/categories");
export const products = () => get("catalogue/products");
export const inCategory = (name) => get(`catalogue/products/${part(name)}`);
export const product = (sku) => get(`catalogue/product/${part(sku)}`);
export const search = (text) => get(`catalogue/search/${part(text)}`);
export const rating = (sku) => get(`ratings/api/fetch/${part(sku)}`);
export const ownScore = (sku) => state.ownScore(sku);

export async function rate(sku, score) {
  await put(`ratings/api/rate/${part(sku)}/${score}`);
  state.setOwnScore(sku, score);
}

export const EMPTY_CART = { total: 0, tax: 0, items: [] };

export async function cart() {
  const id = state.cartId();
  if (!id) return changed(EMPTY_CART);
  try {
    return changed(await get(`cart/cart/${part(id)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return changed(EMPTY_CART);
    throw error;
  }
}

export async function add(sku, qty = 1) {
  const id = state.userName() || (await ensureAnonymousId());
  state.forgetPaymentKey();
  return changed(await get(`cart/add/${part(id)}/${part(sku)}/${qty}`));
}

export async function update(sku, qty) {
  state.forgetPaymentKey();
  return changed(await get(`cart/update/${part(state.cartId())}/${part(sku)}/${qty}`));
}

export const countries = () => get("shipping/codes");
export const matchCities = (code, text) => get(`shipping/match/${part(code)}/${part(text)}`);
export const shippingCost = (uuid) => get(`shipping/calc/${part(uuid)}`);

export async function confirmShipping(city) {
  state.forgetPaymentKey();
  return changed(await post(`shipping/confirm/${part(state.cartId())}`, city));
}

// The key is kept only while the outcome is unknown (no answer, or a timeout), so that a
// retry can't charge twice; after a definite refusal the next try is a new attempt.
export async function pay(currentCart) {
  let answer;
  try {
    answer = await post(`payment/pay/${part(state.cartId())}`, currentCart, {
      headers: { "Idempotency-Key": state.paymentKey() },
    });
  } catch (error) {
    if (error instanceof ApiError && error.status !== 0 && error.status !== 504) state.forgetPaymentKey();
    throw error;
  }
  state.forgetPaymentKey();
  changed(EMPTY_CART);
  return answer;
}

export async function register(name, email, password) {
  await post("user/register", { name, email, password });
}

// After login the anonymous cart moves under the user's name, adding up quantities. An
// anonymous cart known to be empty (emptied, or paid for) stays where it is, unasked for.
// The merge answers with the user's cart, and a user who has just registered has none yet:
// only otherwise is the cart fetched.
export async function login(name, password, { justRegistered = false } = {}) {
  const user = await post("user/login", { name, password });
  state.setSession({ name: user.name || name, email: user.email || "", token: user.token || null });
  state.forgetPaymentKey();
  const merged = await mergeAnonymousCart();
  if (merged) changed(merged);
  else if (justRegistered) changed(EMPTY_CART);
  else await cart();
  return state.session();
}

async function mergeAnonymousCart() {
  const anon = state.anonymousId();
  if (!anon) return null;
  let merged = null;
  if (state.anonymousItems() !== 0) {
    try {
      merged = await get(`cart/rename/${part(anon)}/${part(state.userName())}`);
    } catch (error) {
      // Expired meanwhile: nothing to merge.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  state.forgetAnonymousCart();
  return merged;
}

// The session cookie is HttpOnly: only the user function can clear it.
export async function logout() {
  await post("user/logout", {}).catch(() => {});
  state.setSession(null);
  state.forgetPaymentKey();
  await cart();
}

export async function history() {
  const name = state.userName();
  try {
    return (await get(`user/history/${part(name)}`)).history || [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}
