"""search-engine.js in headless Chromium against Python references: the same
normalization as text.py, prefix search on the last word, the first block of a
word giving its best documents, filter counts equal to a brute-force count over
the snapshot, and a clear message when a file of the index is missing or
damaged."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import test_search_corpus as corpus
from conftest import BUILD_TODAY, ROOT, StaticServer, build_site
from test_search_browser import DONE, path_of, search
from test_search_index import expand, read_root, read_shard, term_blocks

sys.path.insert(0, str(ROOT / "plugins"))
from portal_search.indexer import FILTER_KEYS, _filter_labels, meta_text
from portal_search.text import STOPWORDS, fold, stem_key, words

pytestmark = pytest.mark.browser

ENGINE = """async ([q, filters, sort, from, count]) => {
  const m = await import(new URL('/theme/js/search-engine.js', location.href).href);
  const index = m.openIndex(new URL('/search/', location.href));
  const s = await index.search({q, filters, sort});
  if (count) return (await s.results(from, count)).items.map((r) => r.url);
  return await s.counts();
}"""


def _snapshot_docs(data: Path) -> list:
    from portal_search.generator import documents_of
    from portal_site.indexes import build_indexes
    from portal_site.model import SiteModel

    model = SiteModel.load(data, date.fromisoformat(BUILD_TODAY))
    model.idx = build_indexes(model)
    return list(documents_of({"portal": model}))


@pytest.fixture(scope="module")
def snapshot_only(tmp_path_factory):
    """Sites built from a snapshot alone (no editors' content), so that every
    document of the index is a snapshot record; small blocks and shards."""
    sites = {}
    for name, data in (("corpus", None), ("bundled", ROOT / "content" / "data")):
        root = tmp_path_factory.mktemp(f"snapshot-only-{name}")
        data = data or corpus.write(root / "data")
        (root / "content").mkdir()
        out = root / "output"
        # In two processes even on one CPU: Pelican loads plugins off sys.path,
        # and the scoring worker must still find this one (it once did not).
        proc = build_site(data, out, content=root / "content",
                          extra_env={"PORTAL_SEARCH_FIRST_BLOCK": "4",
                                     "PORTAL_SEARCH_SHARD_BYTES": "600",
                                     "PORTAL_SEARCH_PARALLEL": "1"})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        sites[name] = (out, _snapshot_docs(data))
    servers = {name: StaticServer(out) for name, (out, _) in sites.items()}
    yield {name: (servers[name].url, out, docs) for name, (out, docs) in sites.items()}
    for server in servers.values():
        server.close()


def brute(docs, q: str, filters: dict) -> dict:
    """Total and counts per filter value, by reading every document."""
    ws = words(q)
    ws = [w for w in ws if fold(w) not in STOPWORDS] or ws
    stems = {stem_key(fold(w)) for w in ws}
    hits = []
    for d in docs:
        text = f"{d.title} {d.own_terms} {d.institution_terms} {d.body} {meta_text(d)}"
        if stems <= {stem_key(fold(w)) for w in words(text)}:
            hits.append(dict(zip(FILTER_KEYS, _filter_labels(d))))

    def ok(labels, skip=None):
        return all(any(v in chosen for v in labels[k])
                   for k, chosen in filters.items() if k != skip)
    counts = {k: dict(Counter(v for h in hits if ok(h, k) for v in h[k])) for k in FILTER_KEYS}
    return {"total": sum(ok(h) for h in hits), "counts": counts}


QUERIES = {
    "corpus": [("salud", {}), ("ministerio salud", {}), ("indicador", {}),
               ("indicador regional", {"anio": ["2018", "2023"]}),
               ("ministerio", {"tipo": ["Conjuntos de datos", "Participación"]}),
               ("", {"institucion": ["Servicio Electoral"]}),
               ("", {"institucion": ["Municipalidad de Ñuñoa"], "tema": ["vivienda"]}),
               ("", {"tipo": ["Conjuntos de datos"]}),
               ("electoral", {"anio": ["2021"]}),
               ("comuna", {"institucion": ["Ministerio de Educación", "Ministerio de Salud"]}),
               ("serie anual", {"formato": ["CSV"], "tipo": ["Conjuntos de datos"]})],
    "bundled": [("datos", {}), ("salud", {}), ("ministerio", {}), ("registro nacional", {}),
                ("", {"tipo": ["Conjuntos de datos"]}), ("datos", {"formato": ["CSV"]})],
}


@pytest.mark.parametrize("site", ["corpus", "bundled"])
def test_filter_counts_equal_a_brute_force_count(probe, snapshot_only, site):
    url, _, docs = snapshot_only[site]
    probe.goto(url + "/buscar/")
    for q, filters in QUERIES[site]:
        got = probe.page.evaluate(ENGINE, [q, filters, "", 0, 0])
        expected = brute(docs, q, filters)
        assert expected["total"] > 0, (q, filters)
        assert got["total"] == expected["total"], (q, filters)
        shown = {k: {v: n for v, n in values.items() if n} for k, values in got["counts"].items()}
        assert shown == expected["counts"], (q, filters)
    assert probe.console_errors == []


def test_the_first_block_gives_the_best_documents(probe, snapshot_only):
    url, out, docs = snapshot_only["corpus"]
    probe.goto(url + "/buscar/")
    blocks = term_blocks(out / "search", "indicador")
    assert len(blocks) >= 2   # the head, then its tail
    best = [docs[d].url for d, _, _ in sorted(blocks[0], key=lambda p: (-p[1], p[0]))]
    probe.responses.clear()
    got = probe.page.evaluate(ENGINE, ["indicador", {}, "", 0, 3])
    assert got == best[:3]
    fetched = [r.url.rsplit("/search/", 1)[1] for r in probe.responses
               if "/search/p/" in r.url or "/search/l/" in r.url]
    assert len(fetched) == 1 and fetched[0].startswith("p/")   # the head; not its tail list
    # Ten results need more of the word's blocks.
    assert len(probe.page.evaluate(ENGINE, ["indicador", {}, "", 0, 10])) == 10


PAGES = """async ([q]) => {
  const m = await import(new URL('/theme/js/search-engine.js', location.href).href);
  const s = await m.openIndex(new URL('/search/', location.href)).search({q, filters: {}});
  const pages = [], budgeted = [];
  for (let more = true; more;) {
    const page = await s.results(pages.flat().length, 10);
    pages.push(page.items.map((r) => r.url));
    budgeted.push(s.budgeted);
    if (pages.length === 1) pages.firstComplete = s.complete();
    more = page.more;
  }
  return {pages, budgeted, firstComplete: pages.firstComplete};
}"""


def test_common_words_page_by_page_each_match_once(probe, snapshot_only):
    """Several common words: the first page shows results before every block is
    loaded; "Mostrar más" loads on (at most 24 first blocks' worth of postings a
    page once it has results: the sites here have blocks of 4), and the pages
    together are every match, each once."""
    url, _, docs = snapshot_only["bundled"]
    probe.goto(url + "/buscar/")
    incomplete = limited = 0
    for q in ("conjunto datos", "ministerio datos", "datos"):
        got = probe.page.evaluate(PAGES, [q])
        urls = [u for page in got["pages"] for u in page]
        assert got["pages"][0], q
        assert len(urls) == len(set(urls)) == brute(docs, q, {})["total"] > 10, q
        incomplete += got["firstComplete"] is False
        assert max(got["budgeted"]) <= 24 * 4, (q, got["budgeted"])
        limited += len(got["pages"]) > 1 and any(got["budgeted"])
    assert incomplete   # a first page was shown before every block was loaded
    assert limited      # pages loaded blocks within their budget


def _tails(folder: Path, word: str) -> list[list]:
    """The tail blocks ([lo, bits, n, name], in id order) of every term of a
    word's stem group."""
    root = read_root(folder)
    f = fold(word)
    at = max(i for i, (key, _) in enumerate(root["shards"]) if key <= f)
    head, _ = read_shard(folder, root["shards"][at][1])
    group = next(e[2] for e in head["t"] if e[0] == f)
    return [expand(folder, e[4])[1:] for e in head["t"] if e[2] == group
            and isinstance(e[4][0], str)]


def test_several_common_words_meet_range_by_range(probe, snapshot_only):
    """When the heads of common words share too few documents, the first page
    loads their tails one id range at a time, lowest ids first, and stops when it
    has enough: never a word's later range before its earlier ones, never all of
    them."""
    url, out, docs = snapshot_only["bundled"]
    probe.goto(url + "/buscar/")
    partial = lists = 0
    for q in ("conjunto datos", "ministerio datos", "registro datos"):
        probe.responses.clear()
        got = probe.page.evaluate(ENGINE, [q, {}, "", 0, 10])
        fetched = {r.url.rsplit("/p/", 1)[1][:-4] for r in probe.responses if "/search/p/" in r.url}
        stems = {stem_key(fold(w)) for w in words(q)}
        matching = {d.url for d in docs if stems <= {stem_key(fold(w)) for w in words(
            f"{d.title} {d.own_terms} {d.institution_terms} {d.body} {meta_text(d)}")}}
        # (within its budget a page may show fewer than ten: "Mostrar más" goes on)
        assert got and len(got) <= 10 and set(got) <= matching, q
        for word in q.split():
            for tail in _tails(out / "search", word):
                loaded = [b[3] in fetched for b in tail]
                # a prefix of the word's ranges: loaded ones first, then none
                assert loaded == sorted(loaded, reverse=True), (q, word, loaded)
                partial += 0 < sum(loaded) < len(loaded)
        lists += sum("/search/l/" in r.url for r in probe.responses)
    assert partial   # some tail was loaded in part: ranges, not whole words
    assert lists     # long tails are listed in files of their own, fetched when needed
    # A page its heads fill fetches no list.
    assert len(_tails(out / "search", "obras")[0]) > 2
    probe.responses.clear()
    assert len(probe.page.evaluate(ENGINE, ["obras", {}, "", 0, 3])) == 3
    assert not [r.url for r in probe.responses if "/search/l/" in r.url]


def test_normalization_is_the_same_in_python_and_javascript(probe, corpus_url):
    probe.goto(corpus_url + "/buscar/")
    samples = ["Ñuñoa y Peñalolén", "MINSAL", "ÁRBOLES urbanos", "covid-19/2026",
               "O'Higgins", "Pingüino", "niño_niña", "Cañete, São Paulo", "e\u0301xito"]
    got = probe.page.evaluate("""async (samples) => {
      const m = await import(new URL('/theme/js/search-engine.js', location.href).href);
      return samples.map((s) => m.words(s).map((w) => [w, m.fold(w)]));
    }""", samples)
    assert got == [[[w, fold(w)] for w in words(s)] for s in samples]


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory):
    server = StaticServer(corpus.build(tmp_path_factory))
    yield server.url
    server.close()


@pytest.mark.parametrize("query,first", [
    ("presup", "/datos/presupuesto-2026/"),
    ("establecim", "/datos/establecimientos-de-salud/"),
    ("salud establec", "/datos/establecimientos-de-salud/"),
    ("vacunac", "/datos/vacunacion-influenza/"),
    ("Ñuñ", "/instituciones/municipalidad-de-nunoa/"),
])
def test_prefix_of_the_last_word(probe, corpus_url, query, first):
    found = search(probe, corpus_url, query)
    assert found and path_of(found[0]["href"]) == first, [r["href"] for r in found[:3]]


@pytest.mark.parametrize("query,first", [
    ("eventos", "/eventos/taller/"),                             # the type's name
    ("padron 2024", "/datos/padron-electoral/"),                 # the year of its date
    ("conjuntos de datos electoral", "/datos/resultados-electorales/"),
])
def test_type_names_and_years_are_words(probe, corpus_url, query, first):
    found = search(probe, corpus_url, query)
    assert found and path_of(found[0]["href"]) == first, [r["href"] for r in found[:3]]


def test_only_the_last_word_is_a_prefix(probe, corpus_url):
    assert search(probe, corpus_url, "presup salud") == []


BROKEN = "falta un archivo o está dañado"


@pytest.fixture
def damaged(tmp_path, snapshot_only):
    _, out, _ = snapshot_only["corpus"]
    copy = tmp_path / "site"
    shutil.copytree(out, copy)
    server = StaticServer(copy)
    yield server.url, copy / "search"
    server.close()


def _shard_of(folder: Path, word: str) -> Path:
    import json

    root = json.loads((folder / "index.json").read_text("utf-8"))
    name = [n for k, n in root["shards"] if k <= fold(word)][-1]
    return folder / "t" / f"{name}.bin"


def _broken(probe, url: str, query: str) -> None:
    probe.goto(f"{url}/buscar/?q={query}")
    page = probe.page
    page.wait_for_selector(DONE)
    assert page.get_attribute("form#buscador", "data-search") == "error"
    assert BROKEN in page.inner_text("#estado")
    assert page.is_visible("#sin-resultados")
    assert "/datos/" in page.eval_on_selector_all("#sin-resultados a",
                                                  "as => as.map(a => a.pathname)")
    assert probe.page.locator("#lista > li").count() == 0


def test_a_damaged_shard_says_so_on_the_page(probe, damaged):
    url, folder = damaged
    shard = _shard_of(folder, "salud")
    shard.write_bytes(shard.read_bytes()[:40])
    _broken(probe, url, "salud")
    assert probe.offsite == []


def test_a_missing_shard_or_block_says_so_on_the_page(probe, damaged):
    url, folder = damaged
    _shard_of(folder, "padron").unlink()
    _broken(probe, url, "padron")
    blocks = [p for p in (folder / "p").iterdir()]
    for p in blocks:   # every postings block: the search finds its shard, not its postings
        p.unlink()
    _broken(probe, url, "indicador")


def test_a_damaged_tail_list_says_so_on_the_page(probe, snapshot_only, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(snapshot_only["bundled"][1], copy)
    folder = copy / "search"
    assert len(_tails(folder, "obras")[0]) > 2   # listed in a file of its own
    for p in (folder / "l").iterdir():
        p.write_text('{"no": "lista"}', "utf-8")
    with StaticServer(copy) as url:
        _broken(probe, url, "obras+ciudad")   # several words: the tails are needed


def test_a_missing_root_says_so_on_the_page(probe, damaged):
    url, folder = damaged
    (folder / "index.json").unlink()
    _broken(probe, url, "salud")


def test_an_empty_index_finds_nothing_and_says_so(probe, tmp_path_factory):
    """A portal with no documents: the page says there is no result, no error."""
    from portal_search.store import write_index

    site = corpus.build(tmp_path_factory)
    root = tmp_path_factory.mktemp("empty-index")
    for folder in ("buscar", "theme"):
        shutil.copytree(site / folder, root / folder)
    write_index([], root, root / ".cache")
    server = StaticServer(root)
    try:
        assert search(probe, server.url, "salud") == []
        page = probe.page
        assert page.get_attribute("form#buscador", "data-search") == "done"
        assert page.inner_text("#estado") == "Ningún resultado para «salud»."
        assert search(probe, server.url, "", tipo="Conjuntos de datos") == []
    finally:
        server.close()
    assert probe.console_errors == []
