// Comunica's SPARQL endpoint over a file, for tests/test_comunica.py: what comunica-sparql-file-http
// (@comunica/query-sparql-file/bin/http.js) runs, with the same arguments, the same HTTP service and the same engine,
// but that engine is the one the package ships prebuilt (engine-default.js, which comunica-sparql-file runs) rather
// than one that componentsjs compiles from the package's config-default.json at start-up, in the primary process
// and again in its worker: about 6 s of CPU each, against 1 s. The primary only forks and watches the worker
// (the engine is used by the worker alone), so it builds none.
"use strict";
const cluster = require("node:cluster");
const path = require("node:path");

const root = path.dirname(require.resolve("@comunica/query-sparql-file/package.json"));
const { HttpServiceSparqlEndpoint } = require(require.resolve("@comunica/actor-init-query", { paths: [root] }));
const exit = (code) => process.exit(code);

HttpServiceSparqlEndpoint.generateConstructorArguments(
  process.argv.slice(2),
  `${root}/`,
  process.env,
  `${root}/config/config-default.json`,
  process.stderr,
  exit,
  [],
)
  .then((options) => {
    if (!options) {
      return undefined;
    }
    const { QueryEngine } = require(root);
    const engine = cluster.isPrimary ? { primaryBuildsNoEngine: true } : new QueryEngine();
    return new HttpServiceSparqlEndpoint({ ...options, engine }).run(process.stdout, process.stderr);
  })
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    exit(1);
  });
