// The shopper's operations, each one or two API calls; views call these, never fetch.

import { get, part, post, put, ApiError } from "./api.js";
import * as state from "./state.js";

// The sku of the cart's shipping line (SHIPPING_SKU, functions/kit/contract.py): every view tells it
// from the robots by it.
export const SHIPPING_SKU = "SHIP";

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
  return cart.items.filter((item) => item.sku !== SHIPPING_SKU).reduce((n, item) => n + item.qty, 0);
}

export async function ensureAnonymousId() {
  if (!state.anonymousId()) {
    const { uuid } = await get("user/uniqueid");
    state.setAnonymousId(uuid);
  }
  return state.anonymousId();
}

// The shop takes only the anonymous ids it issued, and one kept from before it changed its
// signing secret is refused: forgotten with its cart, and the step retried with a new id.
function unknownId(error) {
  return error instanceof ApiError && error.code === "unknown_anonymous_id";
}

async function asAnonymous(step) {
  try {
    return await step(await ensureAnonymousId());
  } catch (error) {
    if (!unknownId(error)) throw error;
    state.forgetAnonymousCart();
    return step(await ensureAnonymousId());
  }
}

export const categories = () => get("catalogue/categories");
export const products = () => get("catalogue/products");
export const inCategory = (name) => get(`catalogue/products/${part(name)}`);
export const product = (sku) => get(`catalogue/product/${part(sku)}`);
export const search = (text) => get(`catalogue/search/${part(text)}`);
export const rating = (sku) => get(`ratings/api/fetch/${part(sku)}`);
export const ownScore = (sku) => state.ownScore(sku);

// One vote per shopper per robot: the session's user, else this browser's anonymous id.
export async function rate(sku, score) {
  const vote = (headers) => put(`ratings/api/rate/${part(sku)}/${score}`, { headers });
  if (state.userName()) await vote({});
  else await asAnonymous((id) => vote({ "X-Anonymous-Id": id }));
  state.setOwnScore(sku, score);
}

export const EMPTY_CART = { total: 0, tax: 0, items: [] };

// The cart this tab just paid for: the order's event clears it on the server, so it is not
// asked for again (a 404) until the shopper adds to a cart again.
let paidCart = null;

export async function cart() {
  const id = state.cartId();
  if (!id || id === paidCart) return changed(EMPTY_CART);
  try {
    return changed(await get(`cart/cart/${part(id)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return changed(EMPTY_CART);
    if (unknownId(error)) {
      state.forgetAnonymousCart();
      return changed(EMPTY_CART);
    }
    throw error;
  }
}

export async function add(sku, qty = 1) {
  state.forgetPaymentKey();
  paidCart = null;
  const addTo = (id) => get(`cart/add/${part(id)}/${part(sku)}/${qty}`);
  const user = state.userName();
  return changed(await (user ? addTo(user) : asAnonymous(addTo)));
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
  const cart = changed(await post(`shipping/confirm/${part(state.cartId())}`, { uuid: city.uuid }));
  state.setDestination({ uuid: city.uuid });
  return cart;
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
  state.setDestination(null);
  if (state.userName() && answer?.orderid) state.setAwaitedOrders([...state.awaitedOrders(), answer.orderid]);
  paidCart = state.cartId();
  changed(EMPTY_CART);
  return answer;
}

// Registering starts a session as logging in does; a new user has no cart of their own yet.
export async function register(name, email, password) {
  const user = await post("user/register", { name, email, password });
  return startSession(user, name, { fresh: true });
}

export async function login(name, password) {
  return startSession(await post("user/login", { name, password }), name);
}

// The anonymous cart then moves under the user's name, adding up quantities. An anonymous
// cart known to be empty (emptied, or paid for) stays where it is, unasked for. The merge
// answers with the user's cart, and a user who has just registered has none yet: only
// otherwise is the cart fetched.
// The merge drops the shipping line (the goods changed): a destination chosen before
// logging in is confirmed again for the merged cart, at the server's price.
async function startSession(user, name, { fresh = false } = {}) {
  state.setSession({ name: user.name || name, email: user.email || "", token: user.token || null });
  state.forgetPaymentKey();
  const destination = state.destination();
  const merged = await mergeAnonymousCart();
  if (merged) changed(merged);
  else if (fresh) changed(EMPTY_CART);
  else await cart();
  if (merged && destination && robotCount(merged) > 0 && !hasShipping(merged)) {
    await confirmShipping(destination).catch(() => state.setDestination(null));
  } else {
    state.setDestination(null);
  }
  return state.session();
}

export function hasShipping(cart) {
  return cart.items.some((item) => item.sku === SHIPPING_SKU);
}

async function mergeAnonymousCart() {
  const anon = state.anonymousId();
  if (!anon) return null;
  let merged = null;
  if (state.anonymousItems() !== 0) {
    try {
      merged = await get(`cart/rename/${part(anon)}/${part(state.userName())}`);
    } catch (error) {
      // Expired meanwhile, or an id the shop no longer takes: nothing to merge. A cart held
      // for checkout (409) is becoming an order: merging it would bring paid robots back.
      if (!nothingToMerge(error)) throw error;
    }
  }
  state.forgetAnonymousCart();
  return merged;
}

function nothingToMerge(error) {
  if (unknownId(error)) return true;
  return error instanceof ApiError && (error.status === 404 || error.code === "checkout_in_progress");
}

// The session cookie is HttpOnly: only the user function can clear it.
export async function logout() {
  await post("user/logout", {}).catch(() => {});
  state.setSession(null);
  state.forgetPaymentKey();
  state.setDestination(null);
  await cart();
}

// The history's page size (user's HISTORY_PAGE): a full page means there may be older orders.
export const HISTORY_PAGE = 20;

// One page of the shopper's orders, newest first, from `offset`.
export async function history(offset = 0) {
  const name = state.userName();
  try {
    return (await get(`user/history/${part(name)}?limit=${HISTORY_PAGE}&offset=${offset}`)).history || [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}
