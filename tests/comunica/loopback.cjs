// Preloaded into node (NODE_OPTIONS=--require) by tests/test_comunica.py: every listening socket of the process and
// of its cluster workers binds to the loopback address only (Comunica's HTTP service, which http.cjs starts as
// comunica-sparql-file-http does, has no --host option).
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args.length === 1 || typeof args[1] === "function")) {
    args.splice(1, 0, "127.0.0.1");
  } else if (args[0] && typeof args[0] === "object" && !("path" in args[0])) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
