// The one message area at the top of the page, read out by screen readers.

const box = () => document.getElementById("notice");

export function notify(message, kind = "error") {
  const node = box();
  node.textContent = message;
  node.className = `notice ${kind}`;
  node.hidden = false;
}

export function clearNotice() {
  const node = box();
  node.hidden = true;
  node.textContent = "";
}

export function failed(error) {
  return error && error.message ? error.message : "Something went wrong. Please try again.";
}

export function report(error) {
  notify(failed(error), "error");
}
