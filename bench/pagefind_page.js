// /buscar/: runs the query of the URL (?q=, filters, orden=fecha) over the
// prebuilt Pagefind bundle with Pagefind's JS API (no Pagefind UI: our own
// markup, Spanish texts, and only the bytes a query needs). The URL is the
// state: every search is a history entry, so links can be shared and the back
// button works. Filter counts are loaded after the first results are shown,
// by a separate instance, because they need every filter of the index.

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

let pagefind = null;
let state = {q: "", filters: {}, sort: ""};
let results = [];
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

function pagefindFilters(filters) {
  const out = {};
  for (const [key, values] of Object.entries(filters)) out[key] = {any: values};
  return out;
}

// -- Pagefind -------------------------------------------------------------------

// A large index comes in several bundles (shards cut by date, newest first):
// the first one loads Pagefind and the others are merged into it.
const bundles = form.dataset.bundles.split(" ").map((b) => new URL(b, location.href));
// The main thread, not Pagefind's web worker: one script less to download
// before the first results (the search itself takes milliseconds).
const OPTIONS = {excerptLength: 26, noWorker: true};
let byShard = null;  // one instance per shard, for date-sorted searches

let loading = null;

function load() {
  loading ||= (async () => {
    const pf = await import(new URL("pagefind.js", bundles[0]).href);
    await pf.options(OPTIONS);
    await pf.init();
    await Promise.all(bundles.slice(1).map((b) => pf.mergeIndex(b.href,
      {excerptLength: OPTIONS.excerptLength})));
    pagefind = pf;
    return pf;
  })();
  loading.catch(() => { loading = null; });  // a failed load is tried again
  return loading;
}

function addCounts(all) {
  const out = {};
  for (const counts of all) {
    for (const [key, values] of Object.entries(counts || {})) {
      out[key] ||= {};
      for (const [v, n] of Object.entries(values)) out[key][v] = (out[key][v] || 0) + n;
    }
  }
  return out;
}

// Merged bundles come back ordered by score only. Sorted by date, each shard is
// asked on its own and the answers are put end to end: shard 1 holds the newest.
async function query(term, filters) {
  const pf = await load();
  const options = {filters: pagefindFilters(filters)};
  if (!state.sort) return pf.search(term, options);
  options.sort = {[SORT]: "desc"};
  if (bundles.length === 1) return pf.search(term, options);
  byShard ||= bundles.map((b) => pf.createInstance({...OPTIONS, basePath: b.href}));
  const parts = await Promise.all(byShard.map((i) => i.search(term, options)));
  return {results: parts.flatMap((p) => p.results), filters: addCounts(parts.map((p) => p.filters))};
}

// -- results ----------------------------------------------------------------------

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (className) el.className = className;
  return el;
}

// Pagefind's excerpt is escaped text with <mark> around matches: rebuild it from
// text nodes and <mark> elements only, and drop the title it usually starts with.
function excerpt(html, title) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  const words = [];
  for (const node of tpl.content.childNodes) {
    const marked = node.nodeName === "MARK";
    for (const [i, part] of node.textContent.split(/(\s+)/).entries()) {
      if (part) words.push({part, marked: marked && i % 2 === 0});
    }
  }
  const plain = (w) => w.part.toLocaleLowerCase("es").replace(/[.,;:]$/, "");
  const titleWords = title.trim().split(/\s+/).map((w) => w.toLocaleLowerCase("es"));
  const solid = words.filter((w) => w.part.trim());
  if (solid.length > titleWords.length &&
      titleWords.every((w, i) => plain(solid[i]) === w.replace(/[.,;:]$/, ""))) {
    let skip = titleWords.length;
    while (skip && words.length) if (words.shift().part.trim()) skip -= 1;
  }
  const p = document.createElement("p");
  p.className = "excerpt";
  for (const w of words) p.append(w.marked ? text("mark", w.part) : w.part);
  return p;
}

function resultItem(data) {
  const meta = data.meta || {};
  const li = document.createElement("li");
  const h3 = document.createElement("h3");
  const a = text("a", meta.title || data.url);
  a.href = data.url;
  const external = new URL(data.url, location.href).origin !== location.origin;
  if (external) a.rel = "noopener";
  h3.append(a);
  const line = document.createElement("p");
  line.className = "meta";
  const bits = [text("span", meta.tipo || "", "kind")];
  if (meta.institucion) bits.push(text("span", meta.institucion));
  if (meta.fecha) {
    const t = text("time", dateFormat.format(new Date(`${meta.fecha}T00:00:00Z`)));
    t.dateTime = meta.fecha;
    bits.push(t);
  }
  if (meta.estado) bits.push(text("span", meta.estado));
  if (external) bits.push(text("span", "en su sitio de origen"));
  bits.forEach((b, i) => line.append(...(i ? [" · ", b] : [b])));
  li.append(h3, line, excerpt(data.excerpt || "", meta.title || ""));
  return li;
}

async function showMore(id) {
  const batch = results.slice(shown, shown + PAGE);
  const items = await Promise.all(batch.map((r) => r.data()));
  if (id !== runId) return null;
  const nodes = items.map(resultItem);
  list.append(...nodes);
  shown += batch.length;
  more.hidden = shown >= results.length;
  return nodes[0] || null;
}

function announce() {
  const n = results.length;
  const what = state.q ? ` para «${state.q}»` : "";
  const narrowed = hasFilters(state) ? " con los filtros elegidos" : "";
  const count = n.toLocaleString("es-CL");
  status.textContent = n === 0 ? `Ningún resultado${what}${narrowed}.`
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

// Counts come from a second Pagefind instance in Pagefind's web worker: it loads
// every filter of the index, and an instance holding them all counts every value
// on each search, which takes seconds on a large index. Kept apart, the
// instance that finds results stays fast and the page never freezes.
let counter = null;

function countingInstance() {
  counter ||= (async () => {
    const pf = await load();
    const instance = pf.createInstance({basePath: bundles[0].href});
    for (const b of bundles.slice(1)) await instance.mergeIndex(b.href);
    await instance.filters();
    return instance;
  })();
  counter.catch(() => { counter = null; });
  return counter;
}

// Counts for one group come from a search with every other group's selection,
// so values of a group with a selection still show what choosing them adds.
async function loadCounts(id) {
  const instance = await countingInstance();
  if (id !== runId) return;
  const term = state.q || null;
  const base = await instance.search(term, {filters: pagefindFilters(state.filters)});
  const found = {};
  for (const key of KEYS) {
    if (state.filters[key]) {
      const others = {...state.filters};
      delete others[key];
      found[key] = (await instance.search(term, {filters: pagefindFilters(others)})).filters[key];
    } else {
      found[key] = base.filters[key];
    }
    if (id !== runId) return;
  }
  counts = found;
  renderFilters(counts);
  filtersNote.hidden = true;
  setState("counts", "done");
}

// -- one search -------------------------------------------------------------------

async function run() {
  const id = ++runId;
  setState("search", "loading");
  setState("counts", "pending");
  results = [];
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
    const response = await query(state.q || null, state.filters);
    if (id !== runId) return;
    results = response.results;
    await showMore(id);
    if (id !== runId) return;
    empty.hidden = results.length > 0;
    announce();
    performance.mark("search-results");
    setState("search", "done");
  } catch (err) {
    if (id !== runId) return;
    console.error(err);
    status.textContent = "La búsqueda no está disponible en este momento. Puede recorrer el portal por secciones.";
    empty.hidden = false;
    setState("search", "error");
    return;
  }
  if (!results.length && !hasFilters(state)) {
    setState("counts", "done");
    return;
  }
  try {
    await loadCounts(id);
  } catch (err) {  // the results stay; only the counts are missing
    console.error(err);
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
    showMore(runId).then((first) => first && first.querySelector("a").focus());
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

// Someone about to type a query: fetch Pagefind and the index's metadata now,
// not after Enter (nothing is fetched for visitors who never touch the box).
input.addEventListener("focus", () => {
  if (!pagefind) {
    performance.mark("search-preload");
    load().catch(() => {});
  }
}, {once: true});

form.hidden = false;
form.querySelector(".search-layout").hidden = false;
show(fromUrl());
