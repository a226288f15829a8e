"""SYNTHETIC lobby registers for the benchmarks: not real data.

- `write_export(folder, audiences)`: an InfoLobby-shaped export (the files and
  columns of aggregator/registers/infolobby.yaml), Latin-1, CRLF, with some of
  the dirt of the real one at a small rate ("?" for line breaks, unquoted ";"
  and "," in free text), meetings written once per subject. Three attendance rows per meeting on
  average (half officials, half lobbyists), trips and gifts besides.
- `write_snapshot(folder, audiences)`: a snapshot whose register source holds
  that many meetings (with attendees and entities), trips and gifts, for the
  site build.

Deterministic from the seed; every name says "(sintético)" or is clearly made up.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from aggregator import yamlio
from aggregator.records import Institution
from aggregator.records_registers import TransparencyEntry, cost, organization, person
from aggregator.snapshot import write_source_file

FIRST = ["Ana", "Luis", "María", "José", "Camila", "Pedro", "Valentina", "Tomás", "Sofía",
         "Matías", "Fernanda", "Diego", "Catalina", "Andrés", "Javiera", "Felipe"]
LAST = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva",
        "Martínez", "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Araya"]
TOPICS = ["concesión vial", "reforma educacional", "proyecto de ley de pesca", ("licitación de "
          "equipos"), "plan regulador", "energías renovables", "salud primaria", "agua potable",
          "transporte público", "minería del cobre"]
SUBJECTS = [("Diseño, implementación y evaluación de políticas, planes y programas efectuados "
            "por los sujetos pasivos."), ("Celebración, modificación o terminación a cualquier "
            "título, de contratos."), "Ninguna de las anteriores."]
AUD = ("IDAudienciaReunion;Cut;Nombre_Institucion;IDORPortal_Institucion;Nombre_Comuna;"
       "Nombre_TiposForma;FechaInicio_Audiencia;DuracionMinuto_Audiencia;Lugar_Audiencia;"
       "ObservacionesMateria_Audiencia;Descripcion_Materia")
PAS = ("IDPasivo;Nombre_Institucion;CategoriaCargo_Nombre;Nombre_Pasivo;Apellidos_Pasivo;"
       "CodigoNacionalidadIso_Pasivo;DocumentoPaisIso_Pasivo;FechaInicio_Pasivo;"
       "FechaTermino_Pasivo;LinkAudienciaReunion_Pasivo;LinkViajes_Pasivo;"
       "LinkDonativos_Pasivo;CargoFuncion_Pasivo;IDORPortal_Institucion")
ACT = ("IDActivo;Nombre_Institucion;IDORPortal_Institucion;Nombre_Activo;Apellidos_Activo;"
       "DocumentoPais_Activo;CodigoNacionalidad_Activo;FechaInicio_Activo;FechaTermino_Activo;"
       "Remunerado")
ENT = ("IDEntidad,Rut,CodigoInt,nombre,domicilio,giro,representante,actividades,naturaleza,"
       "administrador,institucion,idportal,tipoEntidad,remunerado")
VIA = ("FechaInicio_Viaje;FechaTermino_Viaje;Destino_Viaje;CostoTotal_Viaje;"
       "Monto_DesgloseViaje;OtroTipo_DesgloseViaje;Nombre_TipoDesglose;Nombre_FinancistaViaje;"
       "Apellidos_FinancistaViaje;Nombre_FinancistaViajeEntidad;IDPasivo;IDViaje_CodigoViaje;"
       "Nombre_Objeto;Otro_ObjetoViaje;Nombre_Institucion;IDORPortal_Institucion")
DON = ("IDPasivo;Fecha_Donativo;Singularizacion_Donativo;Ocasion_Donativo;"
       "Nombre_DonanteEntidad;Nombre_DonanteActivo;Apellidos_DonanteActivo;"
       "Nombre_Institucion;IDORPortal_Institucion;IDDonativo")


def institutions(count: int) -> list[Institution]:
    return [Institution(id=f"sint-reg-{i:04d}", name=f"Servicio sintético de registro {i}",
                        kind="servicio", cplt_code=f"SR{i:03d}"[:5] if i < 1000 else None)
            for i in range(count)]


class _Files:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def write(self, name: str, header: str, lines) -> int:
        n = 0
        with open(self.folder / name, "w", encoding="cp1252", newline="") as f:
            f.write(header + "\r\n")
            buf = []
            for line in lines:
                buf.append(line)
                n += 1
                if len(buf) >= 20_000:
                    f.write("\r\n".join(buf) + "\r\n")
                    buf.clear()
            if buf:
                f.write("\r\n".join(buf) + "\r\n")
        return n


def write_export(folder: Path, audiences: int, seed: int = 7) -> dict:
    """Write the export's nine files; return their row counts."""
    rng = random.Random(seed)
    f = _Files(folder)
    n_inst = 300
    n_off, n_lob = max(50, audiences // 20), max(100, audiences // 5)
    n_ent = max(50, audiences // 10)
    counts = {}
    start = date(2015, 1, 1)

    def name() -> tuple[str, str]:
        return rng.choice(FIRST), f"{rng.choice(LAST)} {rng.choice(LAST)}"

    def inst(i: int) -> tuple[str, str]:
        return f"SERVICIO SINTÉTICO {i}", f"SR{i:03d}"

    counts["Pasivos"] = f.write("Pasivos.csv", PAS, (
        f"{i};{inst(i % n_inst)[0]};Jefe de servicio;{first};{last};CHL;CHL;2015-01-01;;"
        f"https://www.leylobby.gob.cl/instituciones/{i % n_inst}/cargos-pasivos/{i}/audiencias;"
        f"https://www.leylobby.gob.cl/instituciones/{i % n_inst}/cargos-pasivos/{i}/viajes;"
        f"https://www.leylobby.gob.cl/instituciones/{i % n_inst}/cargos-pasivos/{i}/donativos;"
        f"Director(a) de área sintética;{inst(i % n_inst)[1]}"
        for i, (first, last) in ((i, name()) for i in range(n_off))))
    counts["Activos"] = f.write("Activos.csv", ACT, (
        f"{i};{inst(i % n_inst)[0]};{inst(i % n_inst)[1]};{first};{last};CHL;CHL;2015-01-01;;"
        f"{'True' if i % 7 == 0 else 'False'}"
        for i, (first, last) in ((i, name()) for i in range(n_lob))))
    counts["Entidad"] = f.write("Entidad.csv", ENT, (
        f"{i},{76000000 + i % (n_ent // 2 or 1)},,Empresa Sintética {i % (n_ent // 2 or 1)} SpA,"
        f"Avenida Sintética {i}, oficina {i % 90},Servicios de consultoría,{rng.choice(FIRST)} "
        f"{rng.choice(LAST)},Asesorías, estudios y gestión,Sociedad por acciones,,"
        f"{inst(i % n_inst)[0]},{inst(i % n_inst)[1]},Con personalidad jurídica,False"
        for i in range(n_ent)))
    # Three attendance rows per meeting on average: 1.5 official, 1.5 lobbyist.
    pas_rows, act_rows, rep_rows = [], [], []
    att = 0

    def audiences_lines():
        nonlocal att
        for a in range(audiences):
            i_name, code = inst(a % n_inst)
            day = start + timedelta(days=rng.randrange(3000))
            topic = rng.choice(TOPICS)
            note = f"Reunión sobre {topic} con la autoridad (sintética) número {a}"
            if a % 50 == 0:
                note += "?Se entregó una minuta?Se acordó una nueva reunión"
            if a % 97 == 0:
                note += "; además, se revisó el calendario"
            for s in range(1 + (a % 3 == 0)):
                yield (f"{a};13101;{i_name};{code};Santiago;Presencial;{day} 10:00:00;"
                       f"{rng.choice((30, 45, 60))};Oficina sintética {a % 40}, piso "
                       f"{a % 9};{note};{SUBJECTS[(a + s) % 3]}")
            for _ in range(1 + (a % 2)):
                pas_rows.append(f"{a};{rng.randrange(n_off)}")
            for _ in range(2 - (a % 2)):
                att += 1
                act_rows.append(f";{rng.randrange(n_lob)};{a};{att}")
                if att % 2 == 0:
                    rep_rows.append(f";{rng.randrange(n_ent)};{att}")

    counts["Audiencias"] = f.write("Audiencias.csv", AUD, audiences_lines())
    counts["AsistenciaPasivo"] = f.write("AsistenciaPasivo.csv", "IDAudienciaReunion;IDPasivo",
                                         pas_rows)
    counts["AsistenciaActivo"] = f.write(
        "AsistenciaActivo.csv",
        "IDEntidad_EmpleadorDelActivo;IDActivo;IDAudienciaReunion;IDAsistenciaActivo", act_rows)
    counts["Representacion"] = f.write(
        "Representacion.csv", "IDPersona_Representada;IDEntidad_Representada;IDAsistenciaActivo",
        rep_rows)
    n_trips = max(20, audiences // 10)
    counts["Viajes"] = f.write("Viajes.csv", VIA, (
        f"{start + timedelta(days=t % 3000)};{start + timedelta(days=t % 3000 + 1)};"
        f"Ciudad sintética {t % 60};{30000 + t};{c * 10000 + t % 100};"
        f"{'$1.100 peajes' if c else ''};{('Pasaje', 'Alojamiento', 'Otros')[c]};;;"
        f"SERVICIO SINTÉTICO {t % n_inst};{t % n_off};{t};Visitas técnicas;"
        f"Visita a obras sintéticas;{inst(t % n_inst)[0]};{inst(t % n_inst)[1]}"
        for t in range(n_trips) for c in range(3)))
    n_gifts = max(20, audiences // 10)
    counts["Donativos"] = f.write("Donativos.csv", DON, (
        f"{g % n_off};{start + timedelta(days=g % 3000)};Libro sintético número {g};Cortesía;"
        f"Empresa Sintética {g % 500} SpA;;;{inst(g % n_inst)[0]};{inst(g % n_inst)[1]};{g}"
        for g in range(n_gifts)))
    return counts


def entries(audiences: int, n_inst: int, seed: int = 11) -> list[TransparencyEntry]:
    """Register records as the lobby adapter writes them: meetings with attendees
    and entities, a tenth as many trips and as many gifts."""
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    out = []
    for a in range(audiences):
        inst = f"sint-reg-{a % n_inst:04d}"
        day = (start + timedelta(days=rng.randrange(3000))).isoformat()
        people = [person(f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}",
                         "official", "Director(a) sintético(a)")]
        people += [person(f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(
            ("lobbyist", "manager"))) for _ in range(rng.randint(1, 3))]
        n = rng.randrange(max(1, audiences // 10))
        orgs = [organization(f"Empresa Sintética {n} SpA", str(76000000 + n),
                             "Servicios de consultoría", "represented")]
        topic = rng.choice(TOPICS)
        out.append(TransparencyEntry(
            id=f"sint-registro:audiencia-{a}", source="sint-registro", remote_id=f"audiencia-{a}",
            url=f"https://www.leylobby.gob.cl/instituciones/SR{a % n_inst:03d}",
            institution=inst, title=f"Reunión sobre {topic} ({a})", kind="audiencia", date=day,
            description_html=f"<p>Reunión sobre {topic} con la autoridad (sintética).</p>",
            publisher=f"Servicio sintético de registro {a % n_inst}", place="Santiago",
            persons=people, organizations=orgs, modality="Presencial", duration_minutes=60,
            subjects=[SUBJECTS[a % 3]]))
    for t in range(audiences // 10):
        inst = f"sint-reg-{t % n_inst:04d}"
        out.append(TransparencyEntry(
            id=f"sint-registro:viaje-{t}", source="sint-registro", remote_id=f"viaje-{t}",
            institution=inst, title=f"Viaje a Ciudad sintética {t % 60}", kind="viaje",
            date=(start + timedelta(days=t % 3000)).isoformat(), place=f"Ciudad sintética {t}",
            persons=[person("Ana Soto Díaz", "official", "Jefa de servicio")],
            amount=30000.0, currency="CLP", costs=[cost("Pasaje", 30000.0, "Servicio")],
            paid_by=["Servicio"]))
        out.append(TransparencyEntry(
            id=f"sint-registro:donativo-{t}", source="sint-registro", remote_id=f"donativo-{t}",
            institution=inst, title=f"Libro sintético {t}", kind="donativo",
            date=(start + timedelta(days=t % 3000)).isoformat(),
            persons=[person("Ana Soto Díaz", "official", "Jefa de servicio")],
            giver="Empresa Sintética SpA", occasion="Cortesía"))
    return out


def write_snapshot(folder: Path, audiences: int, n_inst: int = 300) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    yamlio.write_atomic(folder / "institutions.yaml", yamlio.dumps(
        {"institutions": [i.to_dict() for i in institutions(n_inst)]}))
    write_source_file(folder, "sint-registro", "lobby", "2026-06-01T00:00:00+00:00",
                      entries(audiences, n_inst), cache_dir=False,
                      name="Registro de lobby (sintético)")
    return folder
