// The one message area at the top of the page, read out by screen readers.

const box = () => document.getElementById("notice");

export function notify(message, kind = "error") {
  const node = box();
  node.textContent = message;
  node.className = `notice ${kind}`;
  node.hidden = false;
}

// Every route change clears the notice, so a message about a move to another page is
// shown once that page's route has run (hashchange listeners run in the order added).
export function goThenNotify(hash, message, kind = "ok") {
  if (location.hash === hash) {
    notify(message, kind);
    return;
  }
  window.addEventListener("hashchange", () => notify(message, kind), { once: true });
  location.hash = hash;
}

export function clearNotice() {
  const node = box();
  node.hidden = true;
  node.textContent = "";
}

export function failed(error) {
  return error?.message || "Something went wrong. Please try again.";
}

export function report(error) {
  notify(failed(error), "error");
}
