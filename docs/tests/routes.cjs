// docs/tests/routes.cjs: compares a route table on stdin ("METHOD /path" per line, as
// `notes-worker --routes` prints it) with the operations of the OpenAPI document named in argv.
// Paths are compared as written, except that a trailing slash is ignored (the service answers
// both forms) and parameter names are kept ({id} must be {id} in both).
"use strict";
const fs = require("fs");
const doc = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const norm = (p) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

const failures = [];
const documented = new Set();
for (const [p, item] of Object.entries(doc.paths)) {
  for (const m of METHODS) if (item[m]) documented.add(`${m.toUpperCase()} ${norm(p)}`);
}
const routed = new Set();
const lines = fs.readFileSync(0, "utf8").split("\n").filter((l) => l.trim() !== "");
for (const line of lines) {
  const m = /^([A-Z]+) (\/\S*)$/.exec(line.trim());
  if (!m) {
    failures.push(`unreadable route line: ${JSON.stringify(line)}`);
    continue;
  }
  const key = `${m[1]} ${norm(m[2])}`;
  if (routed.has(key)) failures.push(`route listed twice: ${line}`);
  routed.add(key);
}
if (routed.size === 0) failures.push("the worker printed no route");
for (const r of routed) {
  if (!documented.has(r)) failures.push(`routed but not documented: ${r}`);
  else console.log(`ok   ${r}`);
}
for (const d of documented) if (!routed.has(d)) failures.push(`documented but not routed: ${d}`);
for (const f of failures) console.log(`FAIL ${f}`);
console.log(`${routed.size} routes, ${documented.size} documented operations`);
process.exit(failures.length ? 1 : 0);
