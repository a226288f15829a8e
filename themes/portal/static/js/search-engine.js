// The portal's search index, read in the browser (format 2, docs/search.md).
// A query fetches the root, the term shard of each word, the head block (best
// documents) of each matching word, and the result metadata of the results
// shown; tail blocks, one id range at a time, when the heads do not give enough
// matches, and for "Mostrar más", filters, date order or counts.
// Words are normalized as plugins/portal_search/text.py does; stems come from
// the shards (never computed here).

export class IndexError extends Error {}

export const fold = (w) => w.normalize("NFD").replace(/\p{M}/gu, "");
export const words = (s) => s.normalize("NFC").toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];

// -- files --------------------------------------------------------------------

function reader(buf, start, end) {
  const bytes = new Uint8Array(buf);
  let pos = start;
  const fail = () => { throw new IndexError("bloque dañado"); };
  return {
    varint() {
      let n = 0, shift = 0, b;
      do {
        if (pos >= end) fail();
        b = bytes[pos++];
        n += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return n;
    },
    u32s(n) {
      if (pos + 4 * n > end) fail();
      const view = new DataView(buf, pos, 4 * n);
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true);
      pos += 4 * n;
      return out;
    },
    u8s(n) {
      if (pos + n > end) fail();
      const out = bytes.subarray(pos, pos + n);
      pos += n;
      return out;
    },
    done() { if (pos !== end) fail(); },
  };
}

// One block: {docs, imp, attrs}; attrs[i] = {kind, day, vals: [[...], ...]}.
function parseBlock(buf, start, end, nattrs) {
  const r = reader(buf, start, end);
  const n = r.varint();
  const docs = r.u32s(n);
  const imp = r.u8s(n);
  const attrs = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = r.varint(), day = r.varint(), vals = [];
    for (let k = 0; k < nattrs; k++) {
      const m = r.varint(), v = [];
      for (let j = 0; j < m; j++) v.push(r.varint());
      vals.push(v);
    }
    attrs[i] = {kind, day, vals};
  }
  r.done();
  return {docs, imp, attrs};
}

const DAY0 = Date.UTC(1900, 0, 1);
export const isoDay = (day) => day ? new Date(DAY0 + (day - 1) * 864e5).toISOString().slice(0, 10) : "";

export function openIndex(base) {
  const cache = new Map();
  async function get(path, type) {
    if (!cache.has(path)) {
      const p = fetch(new URL(path, base)).then(async (r) => {
        if (!r.ok) throw new IndexError(`${path}: ${r.status}`);
        try {
          return type === "json" ? await r.json() : await r.arrayBuffer();
        } catch (e) {
          throw new IndexError(`${path}: ${e.message}`);
        }
      });
      cache.set(path, p);
      p.catch(() => cache.delete(path));
    }
    return cache.get(path);
  }
  let rootP = null;
  const root = () => (rootP ||= get("index.json", "json").then(checkRoot));
  return {root, search: (state) => root().then((r) => new Search(r, get, state))};
}

function checkRoot(r) {
  if (!r || r.v !== 3 || !Array.isArray(r.shards)) throw new IndexError("index.json: formato desconocido");
  r.stopSet = new Set(r.stop);
  return r;
}

// -- one search -----------------------------------------------------------------

// Match kinds: the word as typed, the same word without accents, same stem, prefix.
const EXACT = 1, FOLDED = 0.9, STEM = 0.6, PREFIX = 0.4;
const MAX_PREFIX_TERMS = 40;
// Postings a page of results loads past the heads, in heads' worth
// (docs/search.md, "A page of results has a budget").
const BUDGET = 24;

// A word's blocks from its shard entry (or filter value): the head (its best
// documents, or all of them), then tail blocks {lo, hi, n} in id order; or, for
// a long tail, the head and `list`, the name of the file that lists its blocks.
function blocksOf(df, first, ref) {
  if (!Array.isArray(ref)) throw new IndexError("términos dañados");
  const blocks = [{hash: ref[0], n: Math.min(df, ref.length > 1 ? first : df)}];
  if (typeof ref[1] === "string") blocks.list = ref[1];
  else blocks.push(...ref.slice(1).map(tailBlock));
  return blocks;
}

function tailBlock(b) {
  if (!Array.isArray(b) || b.length !== 4) throw new IndexError("bloques dañados");
  const [lo, bits, n, hash] = b;
  return {hash, n, lo, hi: lo + 2 ** bits, tail: true};
}

class Search {
  constructor(root, get, state) {
    this.root = root;
    this.get = get;
    this.state = state;
    this.shown = [];        // documents shown, in order
    this.rows = [];         // ranked matches [{doc, score, a}]
  }

  async shard(i) {
    const buf = await this.get(`t/${this.root.shards[i][1]}.bin`);
    if (buf.parsed) return buf.parsed;
    try {
      const len = new DataView(buf).getUint32(0, true);
      const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, len)));
      if (!Array.isArray(head.t) || !Array.isArray(head.g)) throw new Error("sin términos");
      buf.parsed = {...head, buf, blob: 4 + len};
    } catch (e) {
      throw new IndexError(`fragmento ${i} dañado: ${e.message}`);
    }
    return buf.parsed;
  }

  shardIndex(f) {
    const s = this.root.shards;
    let lo = 0, hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid][0] <= f) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // The index terms a query word stands for, each with its match factor.
  async resolve(word, last) {
    const f = fold(word);
    if (!this.root.shards.length) return {terms: [], group: null, folded: new Set()};  // no words
    const at = this.shardIndex(f);
    const sh = await this.shard(at);
    const terms = [];
    let groups = new Set(sh.t.filter((e) => e[0] === f).map((e) => e[2]));
    if (!groups.size) {
      let best = null;
      for (const [g, row] of sh.g.entries()) {
        const stem = row[0];
        if (stem.length >= Math.max(4, f.length - 5) && f.startsWith(stem) &&
            (!best || stem.length > best[1].length)) best = [g, stem];
      }
      if (best) groups = new Set([best[0]]);
    }
    for (const e of sh.t) {
      if (!groups.has(e[2])) continue;
      const factor = (e[1] || e[0]) === word ? EXACT : e[0] === f ? FOLDED : STEM;
      terms.push({e, sh, factor});
    }
    let prefixed = false;
    if (last && !sh.t.some((e) => e[0] === f) && f.length >= 2) {   // a word being typed
      const found = [];
      for (let i = at; i < Math.min(at + 3, this.root.shards.length); i++) {
        if (i > at && !this.root.shards[i][0].startsWith(f)) break;
        const s = i === at ? sh : await this.shard(i);
        for (const e of s.t) {
          if (e[0].startsWith(f) && (i > at || !groups.has(e[2]))) found.push({e, sh: s, factor: PREFIX});
        }
      }
      found.sort((a, b) => b.e[3] - a.e[3]);
      terms.push(...found.slice(0, MAX_PREFIX_TERMS));
      prefixed = found.length > 0;
    }
    const group = !prefixed && groups.size === 1 ? sh.g[[...groups][0]] : null;
    return {terms, group, folded: new Set(terms.map((t) => t.e[0]))};
  }

  async dictionary(k) {
    const f = this.root.filters[k];
    if (!f.values) f.values = f.v || await this.get(`f/${f.f}.json`, "json");
    if (!Array.isArray(f.values)) throw new IndexError(`filtro ${f.k} dañado`);
    return f.values;
  }

  async prepare() {
    const r = this.root, st = this.state;
    const keys = r.filters.map((f) => f.k);
    this.sel = {};   // filter key -> Set of value indexes (or of years for "anio")
    for (const [k, f] of r.filters.entries()) {
      const chosen = st.filters[f.k];
      if (!chosen) continue;
      const values = await this.dictionary(k);
      this.sel[f.k] = new Set(values.map((v, i) => chosen.includes(v[0]) ? i : -1).filter((i) => i >= 0));
    }
    this.yearIndex = null;
    const anio = keys.indexOf("anio");
    if (anio >= 0) this.yearIndex = new Map((await this.dictionary(anio)).map((v, i) => [v[0], i]));
    let ws = words(st.q);
    const content = ws.filter((w) => !r.stopSet.has(fold(w)));
    if (content.length) ws = content;
    // Every word's shard at once: one round trip, not one per word.
    const resolved = await Promise.all(ws.map((w, i) => this.resolve(w, i === ws.length - 1)));
    this.words = resolved.map((res) => ({...res, key: null, terms: res.terms.map((t) => this.termOf(t))}));
    this.marks = new Set(this.words.flatMap((w) => [...w.folded]));
    if (!ws.length) {   // filters only: each chosen filter is a "word", newest first
      for (const [k, f] of r.filters.entries()) {
        if (!this.sel[f.k]) continue;
        const values = await this.dictionary(k);
        this.words.push({key: f.k, group: null, terms: [...this.sel[f.k]].map((v) => ({
          df: values[v][1], blocks: blocksOf(values[v][1], r.first, values[v][2]),
          factor: 1, idf: 1, summary: values[v][3]}))});
      }
    }
  }

  termOf({e, sh, factor}) {
    const n = this.root.n, df = e[3];
    const ref = e[4];
    const blocks = typeof ref[0] === "number"
      ? [{inline: [sh.buf, sh.blob + ref[0], sh.blob + ref[0] + ref[1]], n: df}]
      : blocksOf(df, this.root.first, ref);
    return {df, blocks, factor, idf: Math.log(1 + (n - df + 0.5) / (df + 0.5))};
  }

  async loadBlock(term, b) {
    if (b.data) return;
    const nattrs = this.root.attrs.length;
    if (b.inline) {
      const [buf, s, e] = b.inline;
      b.data = parseBlock(buf, s, e, nattrs);
    } else {
      const buf = await this.get(`p/${b.hash}.bin`);
      b.data ||= parseBlock(buf, 0, buf.byteLength, nattrs);
    }
  }

  // The tail blocks of every term whose list is a file of its own.
  async loadLists() {
    await Promise.all(this.words.flatMap((w) => w.terms).map(async ({blocks}) => {
      const list = blocks.list;
      if (!list) return;
      const tails = await this.get(`l/${list}.json`, "json");
      if (blocks.list !== list) return;   // another call got it first
      if (!Array.isArray(tails)) throw new IndexError("lista de bloques dañada");
      blocks.push(...tails.map(tailBlock));
      blocks.list = null;
    }));
  }

  // Load the head of every term, or every block.
  async loadMore(all) {
    if (all) await this.loadLists();
    const jobs = [];
    for (const w of this.words) {
      for (const t of w.terms) {
        for (const b of all ? t.blocks : t.blocks.slice(0, 1)) jobs.push(this.loadBlock(t, b));
      }
    }
    await Promise.all(jobs);
  }

  // Load the next id ranges of the tails: from `scanned` (below it every term's
  // tail is loaded or on its way) to the nearest end of a term's next block, the
  // blocks of every term that start there; below the new `scanned` the matches
  // are then exact. A query of several common words meets its first matches in a
  // few small ranges instead of in its words' largest blocks. `ranges` ranges
  // at once (fetched together), within `room` postings (no limit when
  // `room` is null); returns the postings loaded, 0 when there are no more or
  // the next range does not fit.
  async loadRange(room, ranges) {
    await this.loadLists();
    const jobs = [];
    let total = 0;
    for (let k = 0; k < ranges; k++) {
      let n = 0;
      while (!n) {   // a range where no term has a tail block costs nothing
        const from = this.scanned || 0, next = [];
        let end = Infinity;
        for (const w of this.words) {
          for (const t of w.terms) {
            const b = t.blocks.find((x) => x.tail && !x.data && !x.queued);
            if (!b) continue;
            next.push([t, b]);
            end = Math.min(end, b.lo > from ? b.lo : b.hi);
          }
        }
        if (end === Infinity) { k = ranges; break; }
        const load = next.filter(([, b]) => b.lo < end);
        n = load.reduce((a, [, b]) => a + b.n, 0);
        if (room !== null && total + n > room) { k = ranges; n = 0; break; }
        for (const [t, b] of load) {
          b.queued = true;
          jobs.push(this.loadBlock(t, b));
        }
        this.scanned = end;
        total += n;
      }
    }
    await Promise.all(jobs);
    return total;
  }

  complete() {
    return this.words.every((w) => w.terms.every((t) => !t.blocks.list && t.blocks.every((b) => b.data)));
  }

  // A document's value indexes for filter `key`.
  values(a, key) {
    if (key === "tipo") return [this.root.kinds[a.kind][1]];
    if (key === "anio") {
      const y = isoDay(a.day).slice(0, 4);
      return y && this.yearIndex.has(y) ? [this.yearIndex.get(y)] : [];
    }
    return a.vals[this.root.attrs.indexOf(key)] || [];
  }

  passes(a, except) {
    for (const [key, set] of Object.entries(this.sel)) {
      if (key === except) continue;
      if (!this.values(a, key).some((v) => set.has(v))) return false;
    }
    return true;
  }

  // Documents found in every word (skipping word `skip`): doc -> {score, a}.
  matches(skip) {
    const maps = [];
    for (const w of this.words) {
      if (w === skip) continue;
      const m = new Map();
      for (const t of w.terms) {
        for (const b of t.blocks) {
          if (!b.data) continue;
          const {docs, imp, attrs} = b.data;
          for (let i = 0; i < docs.length; i++) {
            const s = t.factor * t.idf * imp[i] / 255;
            const had = m.get(docs[i]);
            if (!had) m.set(docs[i], {score: s, a: attrs[i]});
            else if (s > had.score) had.score = s;
          }
        }
      }
      maps.push(m);
    }
    if (!maps.length) return null;
    maps.sort((x, y) => x.size - y.size);
    const out = new Map();
    for (const [doc, v] of maps[0]) {
      let score = v.score, ok = true;
      for (const m of maps.slice(1)) {
        const o = m.get(doc);
        if (!o) { ok = false; break; }
        score += o.score;
      }
      if (ok) out.set(doc, {doc, score, a: v.a});
    }
    return out;
  }

  rank() {
    const found = [...this.matches().values()].filter((m) => this.passes(m.a));
    const byDate = this.state.sort === "fecha";
    found.sort((x, y) => (byDate ? (y.a.day || -1) - (x.a.day || -1) : 0) ||
      y.score - x.score || x.doc - y.doc);
    this.rows = found;
  }

  // The total if it is known without loading every block.
  knownTotal() {
    if (this.complete()) return this.rows.length;
    const noFilters = !Object.keys(this.sel).length;
    if (noFilters && this.words.length === 1 && this.words[0].group) return this.words[0].group[1];
    if (this.words.length === 1 && this.words[0].key && this.words[0].terms.length === 1) {
      return this.words[0].terms[0].df;
    }
    return null;
  }

  // At least `need` ranked matches (fewer if there are no more), and the total if
  // known. Past the heads, one call loads at most BUDGET heads' worth of postings
  // once it has a match beyond `from` to show, one id range of the tails at a
  // time; with nothing to show yet it goes on range by range. "Mostrar más" goes
  // on where it stopped.
  async top(need, from = 0) {
    if (!this.words) await this.prepare();
    if (!this.words.length || this.words.some((w) => !w.terms.length)) return {total: 0, rows: []};
    const all = this.state.sort === "fecha";
    await this.loadMore(all);
    this.rank();
    const budget = BUDGET * this.root.first;
    let spent = 0, ranges = 1;
    this.budgeted = 0;   // postings this page loaded with a result to show (tested)
    while (this.rows.length < need && !this.complete()) {
      const room = this.rows.length > from ? budget - spent : null;
      // With nothing to show, twice as many ranges at once each time: a long scan
      // (few matches, far apart) takes a few rounds, not one per range.
      const got = room === null ? await this.loadRange(null, ranges)
        : await this.loadRange(Math.max(0, room), 1);
      ranges *= 2;
      if (!got) break;
      spent += got;
      if (room !== null) this.budgeted += got;
      this.rank();
    }
    return {total: this.knownTotal(), rows: this.rows.slice(0, need)};
  }

  async results(from, count) {
    // One more than asked: "Mostrar más" is offered only if there is more.
    const {total} = await this.top(from + count + 1, from);
    const r = this.root;
    // Results shown keep their place: blocks loaded later may rank a new match
    // above them, and it comes on the next page instead.
    this.shown = (this.shown || []).slice(0, from);
    const before = new Set(this.shown);
    const rest = this.rows.filter((m) => !before.has(m.doc));
    const page = rest.slice(0, count);
    this.shown.push(...page.map((m) => m.doc));
    const chunks = await Promise.all(page.map(({doc}) => {
      const g = Math.floor(doc / r.group), c = Math.floor((doc % r.group) / r.chunk);
      return this.get(`d/${g}/${r.docs[g]}.${c}.json`, "json");
    }));
    const items = page.map(({doc, a}, i) => {
      const row = chunks[i][doc % r.chunk];
      if (!Array.isArray(row)) throw new IndexError(`documento ${doc} ausente`);
      const [url, title, kind, inst, date, status, excerpt] = row;
      return {url, title, type: r.kinds[kind][0], institution: inst, date, status, excerpt, a};
    });
    // No "more" when the search knows there is nothing (a word of the query is in
    // no document): its other words' blocks are never loaded.
    return {total, items, more: total !== 0 && (rest.length > count || !this.complete())};
  }

  // Exact total and the counts of every filter value: {total, counts: {key: {label: n}}}.
  async counts() {
    if (!this.words) await this.prepare();
    const r = this.root, out = {};
    if (!this.words.length || this.words.some((w) => !w.terms.length)) return {total: 0, counts: out};
    const w0 = this.words[0], alone = this.words.length === 1;
    const noFilters = !Object.keys(this.sel).length;
    // One word, no filter: the counts the build made for its stem group.
    let summary = alone && noFilters && w0.group && w0.group[2];
    // One filter value only: its own counts, and its filter's from the dictionary.
    const value = alone && w0.key && w0.terms.length === 1 && w0.terms[0].summary;
    let tallies, total;
    if (summary || value) {
      const c = await this.get(`c/${summary || value}.json`, "json");
      if (!c || typeof c !== "object") throw new IndexError("recuento dañado");
      tallies = Object.fromEntries(Object.entries(c).map(([k, pairs]) => [k, new Map(pairs)]));
      if (value) tallies[w0.key] = this.tally(w0.key);
      total = summary ? w0.group[1] : w0.terms[0].df;
    } else {
      await this.loadMore(true);
      this.rank();
      tallies = {};
      for (const f of r.filters) tallies[f.k] = this.tally(f.k);
      total = this.rows.length;
    }
    for (const [k, f] of r.filters.entries()) {
      const values = await this.dictionary(k);
      const t = tallies[f.k] || new Map();
      out[f.k] = Object.fromEntries(values.map((v, i) => [v[0], t.get(i) || 0]));
    }
    return {total, counts: out};
  }

  // Value counts of `key` over the matches of every other filter and every word.
  tally(key) {
    const t = new Map();
    const own = this.words.find((w) => w.key === key);
    if (own && this.words.length === 1) {   // nothing else chosen: every document
      const k = this.root.filters.findIndex((f) => f.k === key);
      this.root.filters[k].values.forEach((v, i) => t.set(i, v[1]));
      return t;
    }
    for (const m of this.matches(own).values()) {
      if (!this.passes(m.a, key)) continue;
      for (const v of this.values(m.a, key)) t.set(v, (t.get(v) || 0) + 1);
    }
    return t;
  }
}

// The excerpt's words that match the query, for <mark>.
export function marked(search, text) {
  return text.split(/([\p{L}\p{N}]+)/u).map((part, i) =>
    ({part, mark: i % 2 === 1 && search.marks.has(fold(part.toLowerCase()))}));
}
