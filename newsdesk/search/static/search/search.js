// Progressive enhancement of the search form: submit only the fields that hold a value, so
// the address reads "?q=threat" rather than "?q=threat&lang=&source=&from=&to=". Without
// this script the server redirects such an address to the same clean one.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("search-form")) {
    return;
  }
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim() !== "") {
      params.append(name, value);
    }
  }
  event.preventDefault();
  const query = params.toString();
  window.location.assign(form.action + (query ? "?" + query : ""));
});
