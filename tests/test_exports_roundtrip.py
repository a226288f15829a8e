"""The proof that another portal can harvest this one: the portal's own `dcat`
and `datajson` adapters, run by the real run loop over real HTTP against the
built site served on 127.0.0.1, give back records equal to the originals.

Ids aside (`id`, `source`, `remote_id`: the copy's own), every field is
compared. What a format cannot carry, or what the standard requires and the
record lacks, is the documented difference (docs/exports.md, "Round trip"):
- both: the publisher is the registry institution's name when the record has
  one (the harvester ties it back to the same institution), the portal's name
  when the source named none; a dataset without description carries its
  title; themes and tags compare as sets (RDF values have no order).
- both: a dataset without a contact point has the portal's (PORTAL_CONTACT);
  a resource without a media type has the one its format implies.
- DCAT-AP: a licence known by its id gets its canonical URL.
- data.json: a licence is its URL only; a dataset without tags has its themes
  (or its title) as keywords; one without dates the date its source was
  harvested as `modified`; a contact point without an email is the portal's,
  and a temporal coverage open at one end is left out (the schema wants both).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import export_snapshot
import pytest
from conftest import ROOT, StaticServer
from harvest_helpers import harvest, records

from aggregator.normalize import spatial_text
from aggregator.records import Dataset, License
from aggregator.sanitize import plain_list, plain_text, rich_html
from aggregator.snapshot import load_snapshot
from plugins.portal_site import vocab

FIELDS = ("title", "description_html", "publisher", "themes", "tags", "license", "issued",
          "modified", "frequency", "resources", "url", "institution", "spatial", "temporal",
          "contact_point")
PORTAL_CONTACT = "Portal de Gobierno Abierto <contacto@gobiernoabierto.example>"


def _harvest(tmp_path: Path, data: Path, url: str, sources: list[dict]) -> dict[str, dict]:
    """Harvest with the same registry as the original; {source id: records by remote id}."""
    (tmp_path / "data").mkdir()
    shutil.copy(data / "institutions.yaml", tmp_path / "data" / "institutions.yaml")
    code, status = harvest(tmp_path, [{"name": s["id"], "institution": None, **s,
                                       "url": url + s["url"]} for s in sources])
    assert code == 0, status
    return {s["id"]: records(tmp_path, s["id"]) for s in sources}


def _expected(orig: Dataset, registry: dict, fmt: str) -> dict:
    inst = registry.get(orig.institution or "")
    out = {f: getattr(orig, f) for f in FIELDS}
    # Without one, the catalog's publisher (dcat adapter) or the required one (data.json).
    out["publisher"] = inst.name if inst else (orig.publisher or "Portal de Gobierno Abierto")
    out["description_html"] = orig.description_html or rich_html(orig.title)
    out["themes"], out["tags"] = sorted(orig.themes), sorted(orig.tags)
    lic = orig.license
    if fmt == "dcat":
        out["license"] = lic and License(lic.id, lic.title, vocab.license_url(lic))
    else:
        url = vocab.license_url(lic)
        out["license"] = License(None, None, url) if url else None
        out["tags"] = sorted(orig.tags or orig.themes or [orig.title])
        out["modified"] = orig.modified or orig.issued or out["modified"]
        if "<" not in (orig.contact_point or "") and "@" not in (orig.contact_point or ""):
            out["contact_point"] = None
        if ".." in (orig.temporal or ""):
            out["temporal"] = None
    out["contact_point"] = out["contact_point"] or PORTAL_CONTACT
    out["resources"] = [replace(r, media_type=r.media_type or vocab.file_type(r.format)[1])
                        for r in orig.resources if r.url]
    return out


def _got(rec: Dataset) -> dict:
    out = {f: getattr(rec, f) for f in FIELDS}
    out["themes"], out["tags"] = sorted(rec.themes), sorted(rec.tags)
    return out


def test_bundled_catalog_comes_back_equal_through_dcat_and_data_json(bundled_site, tmp_path):
    data = ROOT / "content" / "data"
    snap = load_snapshot(data)
    originals = {d.id: d for d in snap.records(Dataset)}
    registry = {i.id: i for i in snap.institutions}
    harvested_at = {s: (sf.harvested_at or "")[:10] for s, sf in snap.sources.items()}
    server = StaticServer(bundled_site)
    try:
        got = _harvest(tmp_path, data, server.url, [
            {"id": "copia-ttl", "adapter": "dcat", "url": "/catalogo/dcat.ttl"},
            {"id": "copia-jsonld", "adapter": "dcat", "url": "/catalogo/dcat.jsonld"},
            {"id": "copia-datajson", "adapter": "datajson", "url": "/catalogo/data.json"}])
    finally:
        server.close()
    for source, recs in got.items():
        assert set(recs) == set(originals), source       # every dataset, none added
        fmt = "datajson" if source == "copia-datajson" else "dcat"
        for rid, rec in recs.items():
            expected = _expected(originals[rid], registry, fmt)
            if fmt == "datajson" and not (originals[rid].modified or originals[rid].issued):
                expected["modified"] = harvested_at[originals[rid].source]
            assert _got(rec) == expected, f"{source} {rid}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def test_paged_catalog_is_harvested_whole_through_hydra_next(site, tmp_path):
    server = StaticServer(site)
    try:
        got = _harvest(tmp_path, ROOT / "content" / "data", server.url, [
            {"id": "copia", "adapter": "dcat", "url": "/catalogo/dcat.ttl",
             "options": {"max_pages": 5}}])["copia"]
    finally:
        server.close()
    originals = {d.id: d for d in export_snapshot.hostile_datasets()}
    assert len(got) == 125               # three pages of 50, 50 and 25
    for rid, orig in originals.items():
        rec = got[rid]
        # Hostile text comes back as any harvest cleans it (tags and spaces out).
        assert rec.title == plain_text(orig.title, 500)
        assert sorted(rec.tags) == sorted(plain_list(orig.tags))
        assert rec.description_html == rich_html(orig.description_html)
        assert rec.url == orig.url.replace(" ", "%20").replace('"', "%22").replace(
            "<", "%3C").replace(">", "%3E").replace("{", "%7B").replace("}", "%7D").replace(
            "|", "%7C").replace("^", "%5E").replace("`", "%60").replace("\\", "%5C")
        # Coverage and contact in each form the records hold them (export_snapshot.COVERAGE).
        assert rec.temporal == orig.temporal
        assert rec.spatial == (spatial_text(orig.spatial) if orig.spatial else None)
        assert rec.contact_point == (orig.contact_point or PORTAL_CONTACT)
        assert [r.media_type for r in rec.resources] == [
            None, "application/vnd.ms-excel" if rid == "hostil:h2" else None]
