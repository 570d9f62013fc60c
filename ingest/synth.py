"""Synthetic sources for benchmarks and scale tests: CSV tables in the ingest format.

The shape imitates real pilots: 10 to 40 actors, 20 to 200 exchanges, several outcomes,
outputs, factors, method uses and sources per pilot, with skewed distributions (most pilots
small, a few large; a few resource types, roles and methods far more common than the rest).
It follows format version 2: links to laws are framings, some resources come from a programme
or from a giver not named, some actors belong to a network, some factors hold for the project
as a whole, outcomes say who evaluated them, and some participations carry an IAP2 level. The
output depends only on the number of pilots and the seed. Synthetic data never goes into
``data/``: :func:`write_synthetic` refuses a folder inside the package's data.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

from coevidence.ingest.records import scheme_iri
from coevidence.ingest.tables import TABLES

SYNTH_PROJECT = "synth"
COUNTRIES = ("ESP", "EST", "FIN", "GBR", "GRC", "HUN", "ITA", "NLD", "POL", "SWE")


class SynthRefused(Exception):
    """The output folder is not a place for synthetic data."""


def _notations(graph: Graph, scheme: str) -> list[str]:
    return sorted(str(graph.value(c, SKOS.notation)) for c in graph.subjects(SKOS.inScheme, scheme_iri(scheme)))


class _Generator:
    def __init__(self, pilots: int, seed: int, vocabulary: Graph):
        self.rng = random.Random(seed)
        self.pilots = pilots
        self.codes = {key: _notations(vocabulary, key) for key in {c.scheme for t in TABLES for c in t.columns if c.scheme}}
        # skew: a Zipf-like weight for each code, in a fixed shuffled order per scheme
        self.weights: dict[str, list[float]] = {}
        for key, values in self.codes.items():
            order = list(range(len(values)))
            random.Random(f"{seed}:{key}").shuffle(order)
            self.weights[key] = [1.0 / (1 + rank) ** 1.2 for rank in order]
        self.rows: dict[str, list[dict[str, object]]] = {t.name: [] for t in TABLES}

    def code(self, scheme: str) -> str:
        return self.rng.choices(self.codes[scheme], weights=self.weights[scheme])[0]

    def codes_of(self, scheme: str, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return "; ".join(dict.fromkeys(self.code(scheme) for _ in range(count)))

    def skewed(self, low: int, high: int, alpha: float = 1.0, beta: float = 4.0) -> int:
        return low + int((high - low) * self.rng.betavariate(alpha, beta))

    def add(self, table: str, **values: object) -> None:
        self.rows[table].append(values)

    def evidence(self, sources: list[str]) -> dict[str, object]:
        cited = self.rng.sample(sources, k=1 if self.rng.random() < 0.7 else min(2, len(sources)))
        values: dict[str, object] = {"sources": "; ".join(cited)}
        if self.rng.random() < 0.9:
            values["quote"] = f"Passage {self.rng.randint(1, 999)} of the report supports this."
            values["locator"] = f"p. {self.rng.randint(1, 120)}"
        if self.rng.random() < 0.5:
            values["confidence"] = self.code("confidence")
        return values

    def shared(self) -> None:
        self.add("organisations", id="synth-coordinator", name="Synthetic coordinator", sector="research-organisation", country="FIN", partner_of=SYNTH_PROJECT)
        self.add("sources", id="synth-report", title="Synthetic project report", url="https://example.org/synth/report", date="2021", publication_of=SYNTH_PROJECT)
        self.add(
            "projects", id=SYNTH_PROJECT, title="Synthetic project", acronym="SYN", coordinator="synth-coordinator",
            start_date="2018-01", end_date="2021-12", sources="synth-report",
        )
        self.add("work_packages", id="synth-wp1", project=SYNTH_PROJECT, number=1, title="Pilots", led_by="synth-coordinator")
        for n, (effect, category) in enumerate((("enabling", "resources-and-time"), ("hindering", "politics-and-policy")), start=1):
            self.add(
                "factors", id=f"synth-f{n}", project=SYNTH_PROJECT, effect=effect, category=category,
                description=f"Project-level factor {n}, stated for the pilots as a whole.", sources="synth-report",
            )
        for country in COUNTRIES:
            key = country.lower()
            self.add("national_contexts", id=f"ctx-{key}", country=country, title=f"Co-creation context of {country}")
            self.add(
                "context_statements", id=f"ctx-{key}-regime", context=f"ctx-{key}", dimension="socio-political", aspect="welfare-regime",
                welfare_regime=self.code("welfare-regime"), description=f"The welfare regime of {country}.", sources="synth-report",
            )
            self.add(
                "context_statements", id=f"ctx-{key}-tradition", context=f"ctx-{key}", dimension="socio-political", aspect="administrative-tradition",
                administrative_tradition=self.code("administrative-tradition"), description=f"The administrative tradition of {country}.", sources="synth-report",
            )
            for n in range(1, 4):
                self.add("policy_instruments", id=f"policy-{key}-{n}", title=f"Reform {n} of {country}", country=country, date=str(2000 + n), sources="synth-report")
            for n in range(1, 3):
                self.add(
                    "context_statements", id=f"ctx-{key}-s{n}", context=f"ctx-{key}", dimension=self.code("context-dimension"),
                    aspect=self.code("context-aspect"), policy=f"policy-{key}-{n}", description=f"Statement {n} about {country}.",
                    sources="synth-report",
                )

    def pilot(self, number: int) -> None:
        rng = self.rng
        p = f"p{number:05d}"
        country = COUNTRIES[rng.randrange(len(COUNTRIES))]
        sources = [f"{p}-s{k}" for k in range(1, self.skewed(2, 6) + 1)]
        for k, source in enumerate(sources, start=1):
            self.add("sources", id=source, title=f"Report {k} on pilot {number}", url=f"https://example.org/{p}/{k}", date=f"{rng.randint(2018, 2022)}")
        place = f"{p}-place"
        self.add("places", id=place, name=f"Town of pilot {number}", country=country)
        service = f"{p}-service"
        self.add("services", id=service, title=f"Service of pilot {number}", service_area=self.code("service-area"))
        actors: list[str] = []
        citizen_groups: list[str] = []
        network = f"{p}-network"
        self.add("groups", id=network, name=f"Local network of pilot {number}", kind="network", sector=self.codes_of("sector", 1, 3))
        for a in range(1, self.skewed(10, 40) + 1):
            actor = f"{p}-a{a}"
            actors.append(actor)
            if rng.random() < 0.6:
                self.add(
                    "organisations", id=actor, name=f"Organisation {a} of pilot {number}", sector=self.code("sector") if rng.random() < 0.9 else "",
                    country=country, member_of=network if rng.random() < 0.2 else "",
                )
            else:
                kind = rng.choices(("citizen", "professional", "informal-network"), weights=(6, 3, 1))[0]
                if kind == "citizen":
                    citizen_groups.append(actor)
                self.add(
                    "groups", id=actor, name=f"Group {a} of pilot {number}", kind=kind, category=self.codes_of("group-category", 1, 2),
                    hard_to_reach="yes" if rng.random() < 0.3 else "no", size=rng.randint(3, 300) if rng.random() < 0.4 else "",
                )
        if not citizen_groups:  # every pilot serves someone
            actor = f"{p}-a{len(actors) + 1}"
            actors.append(actor)
            citizen_groups.append(actor)
            self.add("groups", id=actor, name=f"Citizens of pilot {number}", kind="citizen", category=self.codes_of("group-category", 1, 1))
        self.add(
            "pilots", id=p, project=SYNTH_PROJECT, number=number, title=f"Synthetic pilot {number}", country=country, places=place,
            service=service, context=f"ctx-{country.lower()}",
            target_groups="; ".join(citizen_groups[:2]), stages=self.codes_of("stage", 1, 4),
            evaluation_approaches=self.codes_of("evaluation-approach", 1, 2), big_ideas=self.codes_of("big-idea", 0, 2),
            start_date=f"{rng.randint(2018, 2019)}-{rng.randint(1, 12):02d}", end_date=f"{rng.randint(2020, 2021)}",
            description=f"Pilot {number}, synthetic.", sources="; ".join(sources),
        )
        self.add("participations", id=f"{p}-pa0", pilot=p, actor=network, role="stakeholder", **self.evidence(sources))
        policy = f"policy-{country.lower()}-{rng.randint(1, 3)}"
        self.add("framings", id=f"{p}-fr1", pilot=p, policy=policy, description=f"Pilot {number} worked within a national reform.", **self.evidence(sources))
        for a, actor in enumerate(actors, start=1):
            level = self.code("participation-level") if actor in citizen_groups and rng.random() < 0.5 else ""
            self.add(
                "participations", id=f"{p}-pa{a}", pilot=p, actor=actor, role=self.code("role"), stage=self.codes_of("stage", 0, 2), level=level,
                **self.evidence(sources),
            )
            if level and rng.random() < 0.5:
                self.add("measures", id=f"{p}-pa{a}-me", claim=f"{p}-pa{a}", value=rng.randint(3, 300), unit="people", indicator="people who took part", approximate="no")
        for x in range(1, self.skewed(20, 200, 1.0, 6.0) + 1):
            provider, recipient = rng.sample(actors, 2)
            draw = rng.random()
            if draw < 0.05:
                provider = policy  # a resource that came from a programme
            elif draw < 0.1:
                provider = ""  # the sources name no giver
            self.add(
                "exchanges", id=f"{p}-x{x}", pilot=p, provider=provider, recipient=recipient if rng.random() < 0.8 else "",
                resource_type=self.code("resource-type"), stage=self.codes_of("stage", 0, 1), **self.evidence(sources),
            )
        outputs = [f"{p}-op{k}" for k in range(1, self.skewed(1, 5) + 1)]
        for k, output in enumerate(outputs, start=1):
            self.add(
                "outputs", id=output, pilot=p, title=f"Output {k} of pilot {number}", output_type=self.codes_of("outcome-type", 1, 1),
                stage=self.codes_of("stage", 0, 1), date=f"{rng.randint(2018, 2021)}", **self.evidence(sources),
            )
        if rng.random() < 0.5:
            self.add("needs", id=f"{p}-n1", pilot=p, stage="co-initiation", description=f"A need found in pilot {number}.", **self.evidence(sources))
        outcomes = [f"{p}-o{o}" for o in range(1, self.skewed(2, 8) + 1)]
        for m in range(1, self.skewed(2, 8) + 1):
            led_to = rng.choice(outputs + outcomes) if rng.random() < 0.3 else ""
            self.add(
                "method_uses", id=f"{p}-m{m}", pilot=p, method=self.code("method"), stage=self.codes_of("stage", 0, 1), led_to=led_to,
                **self.evidence(sources),
            )
        for o, outcome in enumerate(outcomes, start=1):
            self.add(
                "outcomes", id=outcome, pilot=p, outcome_type=self.codes_of("outcome-type", 1, 2), direction=self.code("direction"),
                value_scope=self.code("value-scope"), impact_level=self.code("impact-level"), evidence_type=self.code("evidence-type"),
                evaluator_relation=self.code("evaluator-relation"), observed_until=f"{rng.randint(2019, 2022)}" if rng.random() < 0.3 else "",
                lasting=rng.choice(("yes", "no")) if rng.random() < 0.2 else "",
                description=f"Outcome {o} of pilot {number}.", **self.evidence(sources),
            )
            if rng.random() < 0.3:
                self.add("measures", id=f"{p}-o{o}-me", claim=outcome, value=rng.randint(1, 500), unit="people", indicator="people reached", approximate="yes" if rng.random() < 0.3 else "no")
        for f in range(1, self.skewed(2, 8) + 1):
            linked = rng.random() < 0.3
            self.add(
                "factors", id=f"{p}-f{f}", pilots=p, effect=self.code("factor-effect"), category=self.code("factor-category"),
                arises_from=rng.choice((policy, rng.choice(actors))) if linked else "", stage=self.codes_of("stage", 0, 1) if linked else "",
                affected=rng.choice(outcomes) if linked else "",
                description=f"Factor {f} of pilot {number}.", **self.evidence(sources),
            )
        if rng.random() < 0.5:
            self.add("findings", id=f"{p}-fi1", about=p, description=f"Pilot {number} involved {rng.randint(5, 400)} people.", **self.evidence(sources))


def write_synthetic(outdir: Path, pilots: int, seed: int = 0, vocabulary: Graph | None = None) -> dict[str, int]:
    """Write *pilots* synthetic pilots as ``<table>.csv`` files in *outdir*; return rows per table."""
    from coevidence.ontology import vocabulary_graph

    outdir = Path(outdir)
    import coevidence.data

    data_dir = Path(coevidence.data.__file__).resolve().parent
    if outdir.resolve() == data_dir.resolve() or data_dir.resolve() in outdir.resolve().parents:
        raise SynthRefused(f"{outdir}: synthetic data never goes into data/, which holds the real pilots")
    generator = _Generator(pilots, seed, vocabulary if vocabulary is not None else vocabulary_graph())
    generator.shared()
    for number in range(1, pilots + 1):
        generator.pilot(number)
    outdir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in TABLES:
        rows = generator.rows[table.name]
        names = [c.name for c in table.columns]
        with open(outdir / f"{table.name}.csv", "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=names, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({name: row.get(name, "") for name in names})
        counts[table.name] = len(rows)
    return counts
