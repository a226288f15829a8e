// /buscar/: runs the query of the URL (?q=, filters, orden=fecha) over the
// portal's own index in /search/ (search-engine.js; docs/search.md): our markup,
// Spanish texts, and only the bytes a query needs. The URL is the state: every
// search is a history entry, so links can be shared and the back button works.
// Filter counts are loaded after the first results are shown.

import {IndexError, marked, openIndex} from "./search-engine.js";

const form = document.getElementById("buscador");
const input = document.getElementById("q");
const status = document.getElementById("estado");
const list = document.getElementById("lista");
const more = document.getElementById("mas");
const empty = document.getElementById("sin-resultados");
const order = document.getElementById("orden");
const clear = document.getElementById("limpiar");
const filtersNote = document.getElementById("filtros-estado");
const groups = [...form.querySelectorAll("fieldset[data-filter]")];
const KEYS = groups.map((g) => g.dataset.filter);
const SORT = form.dataset.sort;
const PAGE = 10;        // results rendered per step
const SHOWN_VALUES = 8; // filter values shown before "Ver todos"
const baseTitle = document.title;
const dateFormat = new Intl.DateTimeFormat("es-CL", {day: "numeric", month: "long",
  year: "numeric", timeZone: "UTC"});

let state = {q: "", filters: {}, sort: ""};
let current = null;       // the search being shown
let total = null;         // its number of results, once known
let shown = 0;
let runId = 0;
let counts = null;        // filter value counts of the current search, once loaded
const expanded = new Set();  // filter groups showing every value

function setState(name, value) {
  form.dataset[name] = value;  // data-search / data-counts: tests and benchmarks wait on them
}

// -- URL <-> state ------------------------------------------------------------

function fromUrl() {
  const p = new URLSearchParams(location.search);
  const filters = {};
  for (const key of KEYS) {
    const values = p.getAll(key).filter((v) => v !== "");
    if (values.length) filters[key] = [...new Set(values)];
  }
  return {q: (p.get("q") || "").trim(), filters, sort: p.get("orden") === SORT ? SORT : ""};
}

function toUrl(s) {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  for (const key of KEYS) for (const v of s.filters[key] || []) p.append(key, v);
  if (s.sort) p.set("orden", s.sort);
  const query = p.toString();
  return location.pathname + (query ? `?${query}` : "");
}

function hasFilters(s) {
  return Object.keys(s.filters).length > 0;
}

// The index, opened once; every search is a new query over it.
const index = openIndex(new URL(form.dataset.index, location.href));
const site = new URL(form.dataset.site, location.href);

// -- results ----------------------------------------------------------------------

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (className) el.className = className;
  return el;
}

const WINDOW = 26;  // words of an excerpt

// The stored excerpt's words around the first match, the matches in <mark>.
function excerpt(body) {
  const parts = marked(current, body);
  const first = Math.max(0, parts.findIndex((p) => p.mark));
  let from = Math.max(0, first - 8);
  from -= from % 2;  // start on a separator, not in the middle of a word
  const near = parts.slice(from, from + 2 * WINDOW);
  const p = document.createElement("p");
  p.className = "excerpt";
  if (from > 0) p.append("… ");
  for (const w of near) p.append(w.mark ? text("mark", w.part) : w.part);
  if (from + 2 * WINDOW < parts.length) p.append(" …");
  return p;
}

function resultItem(r) {
  const li = document.createElement("li");
  const h3 = document.createElement("h3");
  const href = /^[a-z][a-z0-9+.-]*:/i.test(r.url) ? r.url : new URL(r.url.replace(/^\//, ""), site).href;
  const a = text("a", r.title || r.url);
  a.href = href;
  const external = new URL(href).origin !== location.origin;
  if (external) a.rel = "noopener";
  h3.append(a);
  const line = document.createElement("p");
  line.className = "meta";
  const bits = [text("span", r.type, "kind")];
  if (r.institution) bits.push(text("span", r.institution));
  if (r.date) {
    const t = text("time", dateFormat.format(new Date(`${r.date}T00:00:00Z`)));
    t.dateTime = r.date;
    bits.push(t);
  }
  if (r.status) bits.push(text("span", r.status));
  if (external) bits.push(text("span", "en su sitio de origen"));
  bits.forEach((b, i) => line.append(...(i ? [" · ", b] : [b])));
  li.append(h3, line, excerpt(r.excerpt || ""));
  return li;
}

async function showMore(id) {
  const page = await current.results(shown, PAGE);
  if (id !== runId) return null;
  const nodes = page.items.map(resultItem);
  list.append(...nodes);
  shown += nodes.length;
  if (page.total !== null) total = page.total;
  more.hidden = !page.more;
  return nodes[0] || null;
}

function announce() {
  const what = state.q ? ` para «${state.q}»` : "";
  const narrowed = hasFilters(state) ? " con los filtros elegidos" : "";
  const n = total === null ? shown : total;
  const count = n.toLocaleString("es-CL");
  status.textContent = n === 0 ? `Ningún resultado${what}${narrowed}.`
    : total === null ? `Más de ${count} resultados${what}${narrowed}; contando…`
      : `${count} ${n === 1 ? "resultado" : "resultados"}${what}${narrowed}.`;
  document.title = state.q ? `«${state.q}»: resultados · ${baseTitle}` : baseTitle;
}

// -- filters ----------------------------------------------------------------------

function renderFilters(data) {
  const focused = document.activeElement;
  const refocus = focused && focused.dataset && focused.dataset.value !== undefined
    ? [focused.dataset.key, focused.dataset.value, focused.type] : null;
  for (const group of groups) {
    const key = group.dataset.filter;
    const selected = state.filters[key] || [];
    const known = data ? data[key] || {} : {};
    let values = Object.entries(known).filter(([v, n]) => n > 0 || selected.includes(v));
    for (const v of selected) if (!(v in known)) values.push([v, null]);
    values.sort(key === "anio" ? (a, b) => b[0].localeCompare(a[0])
      : (a, b) => (b[1] ?? 0) - (a[1] ?? 0) || a[0].localeCompare(b[0], "es"));
    const ul = group.querySelector("ul");
    ul.replaceChildren();
    const all = expanded.has(key);
    values.forEach(([value, n], i) => {
      if (!all && i >= SHOWN_VALUES && !selected.includes(value)) return;
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = `f-${key}-${i}`;
      box.name = key;
      box.value = value;
      box.checked = selected.includes(value);
      box.dataset.key = key;
      box.dataset.value = value;
      const label = text("label", value);
      label.htmlFor = box.id;
      if (n !== null) label.append(" ", text("span", `(${n.toLocaleString("es-CL")})`, "n"));
      li.append(box, label);
      ul.append(li);
    });
    if (values.length > SHOWN_VALUES) {
      const li = document.createElement("li");
      const toggle = text("button", all ? "Ver menos" : `Ver todos (${values.length})`);
      toggle.type = "button";
      toggle.className = "link";
      toggle.dataset.key = key;
      toggle.dataset.value = "";
      toggle.setAttribute("aria-expanded", String(all));
      li.append(toggle);
      ul.append(li);
    }
    group.hidden = values.length === 0;
  }
  clear.hidden = !hasFilters(state);
  if (refocus) {
    const [key, value, type] = refocus;
    const again = [...form.querySelectorAll(`[data-key="${CSS.escape(key)}"]`)]
      .find((el) => el.dataset.value === value && el.type === type);
    if (again) again.focus();
  }
}

// Counts for one group come from the matches of every other group's selection,
// so values of a group with a selection still show what choosing them adds.
async function loadCounts(id) {
  const found = await current.counts();
  if (id !== runId) return;
  counts = found.counts;
  if (total !== found.total) {
    total = found.total;
    announce();
  }
  renderFilters(counts);
  filtersNote.hidden = true;
  setState("counts", "done");
}

const BROKEN = "La búsqueda no puede leer su índice: falta un archivo o está dañado. " +
  "Vuelva a intentarlo en unos minutos; mientras tanto puede recorrer el portal por secciones.";

function failed(err) {
  console.error(err);
  status.textContent = err instanceof IndexError ? BROKEN
    : "La búsqueda no está disponible en este momento. Puede recorrer el portal por secciones.";
  empty.hidden = false;
  more.hidden = true;
  setState("search", "error");
}

// -- one search -------------------------------------------------------------------

async function run() {
  const id = ++runId;
  setState("search", "loading");
  setState("counts", "pending");
  current = null;
  total = null;
  shown = 0;
  list.replaceChildren();
  more.hidden = true;
  empty.hidden = true;
  counts = null;
  renderFilters(null);
  if (!state.q && !hasFilters(state)) {
    status.textContent = "";
    document.title = baseTitle;
    setState("search", "idle");
    return;
  }
  status.textContent = "Buscando…";
  try {
    current = await index.search(state);
    await showMore(id);
    if (id !== runId) return;
    empty.hidden = shown > 0;
    announce();
    performance.mark("search-results");
    setState("search", "done");
  } catch (err) {
    if (id === runId) failed(err);
    return;
  }
  if (!shown && !hasFilters(state)) {
    setState("counts", "done");
    return;
  }
  try {
    await loadCounts(id);
  } catch (err) {  // the results stay; only the counts are missing
    console.error(err);
    if (id !== runId) return;
    if (err instanceof IndexError) status.textContent = BROKEN;
    setState("counts", "error");
  }
}

function show(s) {
  state = s;
  input.value = s.q;
  order.value = s.sort;
  const header = document.getElementById("q-header");
  if (header) header.value = s.q;
  return run();
}

function navigate(s) {
  history.pushState(null, "", toUrl(s));
  return show(s);
}

function selectedFilters() {
  const filters = {};
  for (const box of form.querySelectorAll("fieldset input[type=checkbox]:checked")) {
    (filters[box.name] ||= []).push(box.value);
  }
  return filters;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  performance.mark("search-submit");
  navigate({...state, q: input.value.trim()});
});

form.addEventListener("change", (event) => {
  const el = event.target;
  if (el === order) navigate({...state, sort: order.value});
  else if (el.type === "checkbox") navigate({...state, filters: selectedFilters()});
});

form.addEventListener("click", (event) => {
  const el = event.target;
  if (el === more) {
    const id = runId;
    showMore(id).then((first) => {
      if (first) first.querySelector("a").focus();
      if (id === runId) performance.mark("search-more");
    }).catch((err) => id === runId && failed(err));
  } else if (el === clear) {
    navigate({...state, filters: {}});
    input.focus();
  } else if (el.matches("button.link[data-key]")) {
    const key = el.dataset.key;
    if (expanded.has(key)) expanded.delete(key); else expanded.add(key);
    renderFilters(counts);  // keeps the focus on this button

  }
});

window.addEventListener("popstate", () => show(fromUrl()));

// Someone about to type a query: fetch the index's root now, not after Enter
// (nothing is fetched for visitors who never touch the box).
input.addEventListener("focus", () => {
  performance.mark("search-preload");
  index.root().catch(() => {});
}, {once: true});

form.hidden = false;
form.querySelector(".search-layout").hidden = false;
show(fromUrl());
