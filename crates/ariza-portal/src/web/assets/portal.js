// Ariza Portal: the little the pages do in the browser. Everything works without it; this
// only answers sooner. The status page checks a tracking number's check character (Luhn
// mod 36, as ariza_core::tracking does) before anything is sent, and fills the form from a
// receipt's QR code (/status#n=…&c=…: a fragment never reaches the server).
"use strict";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function checkChar(body) {
  let factor = 2;
  let sum = 0;
  const chars = body.split("").filter((c) => /[0-9A-Za-z]/.test(c)).reverse();
  for (const c of chars) {
    const addend = factor * parseInt(c.toUpperCase(), 36);
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 36) + (addend % 36);
  }
  return ALPHABET[(36 - (sum % 36)) % 36];
}

// "form", "check" or null (fine), as TrackingNumber::parse.
function trackingProblem(typed) {
  const s = typed.replace(/\s+/g, "").toUpperCase();
  const parts = s.split("-");
  if (parts.length !== 5) return "form";
  const [center, date, device, seq, check] = parts;
  const ok =
    /^[0-9A-Z]{2,8}$/.test(center) &&
    /^\d{6}$/.test(date) &&
    /^\d{2}$/.test(device) &&
    /^\d{5}$/.test(seq) &&
    /^[0-9A-Z]$/.test(check);
  if (!ok) return "form";
  return checkChar(s.slice(0, -2)) === check ? null : "check";
}

function codeIsWellFormed(typed) {
  const s = typed
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  return s.length === 8 && s.split("").every((c) => CROCKFORD.includes(c));
}

function mark(input, errorBox, message) {
  errorBox.textContent = message || "";
  if (message) {
    input.setAttribute("aria-invalid", "true");
  } else {
    input.removeAttribute("aria-invalid");
  }
}

function statusPage(form) {
  const tracking = form.querySelector("#tracking");
  const code = form.querySelector("#code");
  const trackingError = form.querySelector("#tracking-error");
  const codeError = form.querySelector("#code-error");
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get("n")) tracking.value = fragment.get("n");
  if (fragment.get("c")) code.value = fragment.get("c");
  // A sealed receipt's QR code also names its desk and the desk's signature; the server
  // checks them against the address the receipt printed (this page's).
  if (fragment.get("s") && fragment.get("d")) {
    form.querySelector("#seal").value = fragment.get("s");
    form.querySelector("#seal-device").value = fragment.get("d");
    form.querySelector("#seal-url").value = window.location.origin + window.location.pathname;
  }
  form.addEventListener("submit", (event) => {
    const problem = trackingProblem(tracking.value);
    const trackingMessage =
      problem === "check" ? form.dataset.msgMistyped : problem === "form" ? form.dataset.msgForm : "";
    const codeMessage = codeIsWellFormed(code.value) ? "" : form.dataset.msgCode;
    mark(tracking, trackingError, trackingMessage);
    mark(code, codeError, codeMessage);
    if (trackingMessage || codeMessage) {
      event.preventDefault();
      (trackingMessage ? tracking : code).focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("lookup-form");
  if (status) statusPage(status);
});
