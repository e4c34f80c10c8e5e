"""Apache Jena (Debian's package, through ../shared/tools/jena-env.sh) runs what `--show-sparql` prints, and the
remote engine reads Jena's own result serialisations (JSON, XML: Fuseki's) as it would read a Jena server's answer.

Skipped where Jena or Java is not installed. Every saved query was also checked by hand this way (the CHANGELOG
and the issue's note say with what result); this test keeps the headline query checked on every run, and every
saved query as it is on disk is parsed by Jena's strict SPARQL 1.1 parser (tests/jena/ParseQueries.java, one JVM).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tppo_graph.engines import read_answer
from tppo_graph.export import export_graph
from tppo_graph.results import SelectResult

from .conftest import LEAN_JVM, ROOT
from .test_queries import normalised

JENA_ENV = ROOT.parent / "shared" / "tools" / "jena-env.sh"
HEADLINE = "palermo-obligations-without-bilateral-mechanism"
#: arq's --results name -> the media type a Jena server gives that format
FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "tsv": "text/tab-separated-values",
}


@pytest.fixture(scope="module")
def jena_classpath() -> str:
    if shutil.which("java") is None or not JENA_ENV.exists() or not Path("/usr/share/java/jena-arq.jar").exists():
        pytest.skip("Apache Jena (libapache-jena-java) or Java is not installed")
    done = subprocess.run(
        ["bash", "-c", f'. "{JENA_ENV}" && printf %s "$JENA_CP"'], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.skipif(shutil.which("javac") is None, reason="Java's source launcher needs a JDK (javac)")
def test_jena_parses_every_saved_query_as_it_is_on_disk(jena_classpath):
    files = sorted((ROOT / "queries").glob("*.rq"))
    checker = ROOT / "tests" / "jena" / "ParseQueries.java"
    command = ["java", *LEAN_JVM, "-cp", jena_classpath, str(checker), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    rejected = [line for line in done.stdout.splitlines() if not line.startswith("ok ")]
    assert done.returncode == 0 and not rejected, "\n".join(rejected) or done.stderr[-1000:]
    assert done.stdout.count("ok ") == len(files) > 0


@pytest.fixture(scope="module")
def printed(runner_module, tmp_path_factory) -> tuple[Path, Path]:
    """The headline query as `--show-sparql` prints it, and the graph as N-Triples."""
    from tppo_graph.cli import main

    work = tmp_path_factory.mktemp("jena")
    shown = runner_module.invoke(main, ["query", HEADLINE, "--show-sparql"])
    assert shown.exit_code == 0, shown.output
    query = work / f"{HEADLINE}.rq"
    query.write_text(shown.stdout, encoding="utf-8")
    graph = work / "graph.nt"
    export_graph("nt", graph, entailed=True)  # the closure the embedded engine answers from
    return query, graph


@pytest.fixture(scope="module")
def runner_module():
    from .conftest import Runner

    return Runner()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_jena_answers_the_printed_query_as_tppo_graph_does(jena_classpath, printed, local, fmt):
    from tppo_graph.queries import run_query

    query, graph = printed
    command = ["java", *LEAN_JVM, "-cp", jena_classpath, "arq.sparql", "--data", str(graph), "--query", str(query)]
    done = subprocess.run([*command, f"--results={fmt}"], capture_output=True, check=False, env=os.environ.copy())
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-1000:]
    text = query.read_text(encoding="utf-8")
    jena = read_answer(done.stdout, FORMATS[fmt], "jena", HEADLINE, ordered=True)
    ours = run_query(HEADLINE, engine=local, language="en")
    assert isinstance(jena, SelectResult) and isinstance(ours, SelectResult)
    assert jena.variables == ours.variables and len(jena) == len(ours) > 0
    assert normalised(jena, text) == normalised(ours, text)
