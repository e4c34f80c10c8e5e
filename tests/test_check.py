"""`tppo-graph check`: the SHACL report and every qc query as one list of findings, on one severity scale.

The expected findings are computed here by the same validation and the same saved queries, mapped with the scale
as the README states it (never copied from a run of the verb); fixtures plant an error of each family.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tppo_graph.catalogue import list_queries, queries_dir
from tppo_graph.check import run_checks
from tppo_graph.cli import main
from tppo_graph.engines import connect
from tppo_graph.queries import run_query
from tppo_graph.server import free_port, serve
from tppo_graph.validation import validate_graph

from .shacl_runs import CONTEXT, INVALID_DIR

TPD = "https://w3id.org/tppo/id/"
TPV = "https://w3id.org/tppo/vocab/"
#: the scale of the README ("Quality checks"), written out here independently of tppo_graph.check
QC_SCALE = {"error": "error", "warning": "warning", "info": "info", "substantive": "warning", "minor": "info"}
SHACL_SCALE = {"Violation": "error", "Warning": "warning", "Info": "info"}

PREFIXES = f"""@prefix tppo: <https://w3id.org/tppo/def/> . @prefix tpv: <{TPV}> . @prefix tpd: <{TPD}> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix schema: <https://schema.org/> .
"""
#: a world with no finding at all: one state and the source record it rests on
TINY = (
    PREFIXES
    + """
tpd:XAA a tppo:State ; rdfs:label "Negara uji XAA"@id , "Test state XAA"@en ;
    dcterms:description "Negara fiktif."@id , "A fictional state."@en ;
    dcterms:source tpd:src-test-record ; tppo:verificationStatus tpv:verified .
tpd:src-test-record a tppo:Source ; dcterms:title "Test record"@en ; dcterms:publisher "Test publisher" ;
    dcterms:issued "2023-01-04"^^xsd:date ;
    tppo:dateEarliest "2023-01-04"^^xsd:date ; tppo:dateLatest "2023-01-04"^^xsd:date ; tppo:sourceKind tpv:government ;
    schema:url "https://example.org/test-record"^^xsd:anyURI .
"""
)
#: a verified fact whose only source is a re-post (tests/test_qc_queries.py, test_qc_findings_follow_the_data)
ON_A_REPOST = """
tpd:src-test-repost a tppo:Source ; dcterms:title "A re-post"@en ; dcterms:publisher "A blog" ;
    dcterms:issued "2023-01-05"^^xsd:date ;
    tppo:dateEarliest "2023-01-05"^^xsd:date ; tppo:dateLatest "2023-01-05"^^xsd:date ; tppo:sourceKind tpv:re-post ;
    schema:url "https://example.org/re-post"^^xsd:anyURI .
tpd:test-body a tppo:GovernmentBody ; rdfs:label "Badan uji"@id , "Test body"@en ;
    dcterms:description "Badan fiktif."@id , "A fictional body."@en ;
    dcterms:source tpd:src-test-repost ; tppo:verificationStatus tpv:verified .
"""


def _local(value: str) -> str:
    return value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def expected(data: list[str] | None) -> Counter[tuple[str, str, str, str | None]]:
    """(severity, kind, check, subject) of every finding, from validate_graph and the qc queries themselves."""
    found: Counter[tuple[str, str, str, str | None]] = Counter()
    for r in validate_graph(data).results:
        shape = "tpsh:" + r.source_shape.removeprefix("https://w3id.org/tppo/shapes/")
        found[(SHACL_SCALE[r.severity], shape, "shacl", r.focus_node)] += 1
    engine = connect(data)
    for query in list_queries("qc"):
        for row in run_query(query.name, engine=engine).values():
            subject = row.get("subject") or row.get("citation") or row.get("reference") or row.get("claim")
            found[(QC_SCALE[_local(row["severity"])], _local(row["kind"]), query.name, subject)] += 1
    return found


def check(runner, *args: str) -> tuple[int, dict, str]:
    result = runner.invoke(main, ["check", "--format", "json", *args])
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def got(report: dict) -> Counter[tuple[str, str, str, str | None]]:
    return Counter((f["severity"], f["kind"], f["check"], f["subject"]) for f in report["findings"])


def written(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_bundled_graph(runner):
    code, report, _ = check(runner)
    want = expected(None)
    assert got(report) == want
    errors = sum(n for (severity, *_), n in want.items() if severity == "error")
    assert code == (1 if errors else 0)
    counts = {s: sum(n for (sev, *_), n in want.items() if sev == s) for s in ("error", "warning", "info")}
    assert report["summary"]["counts"] == counts and report["summary"]["findings"] == sum(counts.values())
    assert report["summary"]["exit_code"] == code
    assert report["summary"]["shacl"]["ran"] is True
    ran = {c["name"] for c in report["summary"]["checks"]}
    assert ran == {"shacl", *(q.name for q in list_queries("qc"))}
    # the citation checks' substantive and minor are on the scale, and said as given
    given = {(f["given_severity"], f["severity"]) for f in report["findings"] if f["check"].startswith("qc-citation-")}
    assert ("substantive", "warning") in given and ("minor", "info") in given


def test_each_format_says_the_same(runner):
    """JSON, Markdown and text: the same findings, the same groups and counts, the same summary."""
    _, report, _ = check(runner)
    md = runner.invoke(main, ["check", "--format", "md"]).stdout
    text = runner.invoke(main, ["check"]).stdout
    groups = Counter((f["severity"], f["kind"], f["check"]) for f in report["findings"])
    # Markdown: the findings table, one row per finding, and the table by kind
    findings_table = md[md.index("## Findings\n") :]
    rows = [line.split(" | ") for line in findings_table.splitlines() if line.startswith("| ") and "---" not in line]
    header, rows = rows[0], rows[1:]
    assert header[0] == "| severity" and len(rows) == len(report["findings"])
    assert Counter((r[0][2:], r[1], r[4].rstrip(" |")) for r in rows) == groups
    by_kind = md[md.index("## Findings by kind") : md.index("## Findings\n")]
    table = {
        (m["s"], m["kind"], m["check"]): int(m["n"])
        for m in re.finditer(
            r"^\| (?P<s>\w+) \| (?P<kind>[\w:-]+)[^|]* \| (?P<check>[\w-]+) \| (?P<n>\d+) \|$", by_kind, re.MULTILINE
        )
    }
    assert table == dict(groups)
    # text: one heading per group with its count, under its severity's heading with its count
    text_groups = {
        (m["kind"], m["check"]): int(m["n"])
        for m in re.finditer(
            r"^  (?P<kind>[\w:-]+)(?: \([^\n]*\))? \[(?P<check>[\w-]+)\]: (?P<n>\d+)$", text, re.MULTILINE
        )
    }
    assert text_groups == {(k, c): n for (_, k, c), n in groups.items()}
    counts = report["summary"]["counts"]
    for severity, heading in (("warning", "WARNINGS"), ("info", "INFOS")):
        if counts[severity]:
            assert f"\n{heading} ({counts[severity]})\n" in text
    summary = f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} infos"
    assert f"Summary: {summary} ({sum(counts.values())} findings); exit {report['summary']['exit_code']}." in text
    assert f"**{summary}**" in md


@pytest.mark.parametrize(
    "fixture", ["CaseStatistic-count__missing", "Claim-claimStatus__missing", "Coverage-coveringMechanism__missing"]
)
def test_a_shacl_violation_is_an_error(runner, fixture):
    data = [*(str(p) for p in CONTEXT), str(INVALID_DIR / f"{fixture}.ttl")]
    code, report, _ = check(runner, *(a for p in data for a in ("--data", p)))
    assert code == 1
    shape = "tpsh:" + fixture.split("__")[0]
    mine = [f for f in report["findings"] if f["check"] == "shacl" and f["kind"] == shape]
    assert mine and all(f["severity"] == "error" and f["given_severity"] == "sh:Violation" for f in mine)
    assert all(f["details"]["shape"].endswith(fixture.split("__")[0]) and f["message"] for f in mine)
    assert got(report) == expected(data)


def test_a_verified_fact_on_a_repost_is_an_error_of_the_qc_queries(runner, tmp_path):
    data = written(tmp_path, "planted.ttl", TINY + ON_A_REPOST)
    code, report, _ = check(runner, "--data", data)
    assert code == 1
    found = {(f["severity"], f["kind"], f["check"], f["subject"]) for f in report["findings"]}
    assert ("error", "verified-on-copies-alone", "qc-weak-sources", TPD + "test-body") in found
    assert got(report) == expected([data])


@pytest.mark.parametrize("world", ["tiny", "shape-test context"])
def test_a_clean_graph_exits_0(runner, tmp_path, world):
    data = [written(tmp_path, "tiny.ttl", TINY)] if world == "tiny" else [str(p) for p in CONTEXT]
    code, report, _ = check(runner, *(a for p in data for a in ("--data", p)))
    assert code == 0 and report["summary"]["counts"]["error"] == 0
    assert got(report) == expected(data)
    if world == "tiny":
        assert report["findings"] == []
        text = runner.invoke(main, ["check", "--data", data[0]])
        assert text.exit_code == 0 and "No findings." in text.stdout


def test_a_qc_query_dropped_into_the_catalogue_is_run(tmp_path):
    """A new qc query needs no code change: one without ?message gets a message from its columns and labels."""
    folder = tmp_path / "queries"
    folder.mkdir()
    for query in list_queries("qc"):
        (folder / query.path.name).write_text(query.path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "qc-test-states.rq").write_text(
        """#+ summary: "QC: every state (a test)"
#+ description: A planted check for the tests.
#+ tags: [qc]
PREFIX tppo: <https://w3id.org/tppo/def/>
PREFIX tpv: <https://w3id.org/tppo/vocab/>
SELECT ?kind ?severity ?state ?note WHERE {
  ?state a tppo:State .
  BIND(tpv:test-state-seen AS ?kind)
  BIND(tpv:substantive AS ?severity)
  BIND("seen" AS ?note)
}
""",
        encoding="utf-8",
    )
    data = [written(tmp_path, "tiny.ttl", TINY)]
    report = run_checks(connect(data), lang="id", directory=folder)
    assert [c.name for c in report.checks] == ["shacl", *sorted(p.stem for p in folder.glob("*.rq"))]
    (finding,) = report.findings
    assert (finding.severity, finding.kind, finding.check, finding.subject) == (
        "warning",
        "test-state-seen",
        "qc-test-states",
        TPD + "XAA",
    )
    assert finding.subject_label == "Negara uji XAA" and finding.message == "note: seen"
    assert report.exit_code == 0
    # the bundled catalogue does not hold it
    assert not (queries_dir() / "qc-test-states.rq").exists()


@pytest.mark.parametrize(
    ("select", "wanted"),
    [
        (
            '?severity ?kind WHERE { BIND("x" AS ?kind) BIND("error" AS ?severity) }',
            "first columns are ?kind ?severity",
        ),
        ('?kind ?severity WHERE { BIND("x" AS ?kind) BIND("fatal" AS ?severity) }', "severity 'fatal' is not one of"),
        ('?kind ?severity WHERE { BIND("x" AS ?kind) }', "row 1 has no ?kind or no ?severity"),
    ],
)
def test_a_qc_query_outside_the_contract_is_named(tmp_path, select, wanted):
    from tppo_graph.errors import QueryDefinitionError

    folder = tmp_path / "queries"
    folder.mkdir()
    path = folder / "qc-broken.rq"
    path.write_text(f'#+ summary: "Broken"\n#+ description: Broken.\n#+ tags: [qc]\nSELECT {select}\n')
    with pytest.raises(QueryDefinitionError, match=re.escape(wanted)) as caught:
        run_checks(connect([written(tmp_path, "tiny.ttl", TINY)]), directory=folder)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def _bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    bad = written(tmp_path, "bad.ttl", "@prefix x: <y> . x:a x:b")
    return {
        "missing data file": ["--data", str(tmp_path / "none.ttl")],
        "data file that does not parse": ["--data", bad],
        "unknown format": ["--format", "xml"],
        "unknown language": ["--lang", "fr"],
        "unknown validator": ["--engine", "jena"],
        "output in a missing folder": ["-o", str(tmp_path / "none" / "check.md")],
        "unreachable endpoint": ["--endpoint", f"http://127.0.0.1:{free_port()}/query"],
        "data and an endpoint": ["--endpoint", "http://127.0.0.1:1/query", "--data", bad],
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing data file",
        "data file that does not parse",
        "unknown format",
        "unknown language",
        "unknown validator",
        "output in a missing folder",
        "unreachable endpoint",
        "data and an endpoint",
    ],
)
def test_bad_input_is_one_line_and_exit_2(runner, tmp_path, case):
    result = runner.invoke(main, ["check", *_bad_inputs(tmp_path)[case]])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("tppo-graph")
    assert not (tmp_path / "none").exists()


def test_output_file_and_the_exit_code(runner, tmp_path):
    target = tmp_path / "review.md"
    planted = written(tmp_path, "planted.ttl", TINY + ON_A_REPOST)
    result = runner.invoke(main, ["check", "--data", planted, "--format", "md", "-o", str(target)])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"to {target}" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Quality check\n") and "| error | verified-on-copies-alone |" in text


def test_labels_and_headings_in_indonesian(runner):
    md = runner.invoke(main, ["check", "--format", "md", "--lang", "id"]).stdout
    assert md.startswith("# Pemeriksaan mutu\n") and "## Temuan menurut jenis" in md
    assert "citation-year-differs (Tahun kutipan berbeda)" in md
    assert "| bobot | jenis | subjek | pesan | pemeriksaan |" in md


def test_an_endpoint_runs_the_qc_queries_and_says_shacl_did_not_run(runner):
    with serve(port=0) as server:
        code, remote, _ = check(runner, "--endpoint", server.query_endpoint)
        text = runner.invoke(main, ["check", "--endpoint", server.query_endpoint]).stdout
    _, local, _ = check(runner)
    shacl = remote["summary"]["shacl"]
    assert shacl["ran"] is False and shacl["conforms"] is None and "not run" in shacl["note"]
    assert "SHACL not run: " in text
    assert got(remote) == Counter({k: n for k, n in got(local).items() if k[2] != "shacl"})
    assert code == (1 if remote["summary"]["counts"]["error"] else 0)
