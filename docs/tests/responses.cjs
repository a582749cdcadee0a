// docs/tests/responses.cjs: the running service answers what docs/openapi.json says.
// Sends real requests to $BASE_URL (through nginx, as clients do), covering every route and
// every documented status but 503, and for each answer checks that:
//   - the answer's status is the one this request must get, and is documented for the operation;
//   - it is JSON (Content-Type: application/json) and its body validates against the documented
//     schema (ajv, JSON Schema 2020-12, strict), or it has no body where none is documented
//     (HEAD, 204, 304);
//   - every documented response header that is required is there, and every documented header
//     that is there matches its schema (ETag, Location, Link, Content-Range, Allow, ...).
// Then, when $DOCS_STOP_DB names a command that stops the stack's database (docs/tests/responses.sh
// sets it for a stack with its own Postgres), stops it and checks the 503 of every database
// route (and that /ping still answers 200). Last, checks that every documented (operation,
// status) pair was answered, so the document cannot promise a status the service never gives.
// The documented examples are validated against their schemas too.
// With NOTES_AUTH=on (docs/tests/responses.sh runs both modes) every notes request carries a
// bearer token, and the account routes and the 401/409/429 answers are exercised as well.
"use strict";
const fs = require("fs");
const path = require("path");
const http = require("http");
const Ajv2020 = require("ajv/dist/2020").default;

const base = (process.env.BASE_URL || "").replace(/\/+$/, "");
if (!base) {
  console.error("FAIL: BASE_URL is not set (run through tests/e2e/with-stack)");
  process.exit(1);
}
const topSrc = process.env.top_srcdir || path.join(__dirname, "..", "..");
const doc = JSON.parse(fs.readFileSync(path.join(topSrc, "docs", "openapi.json"), "utf8"));
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
const { execSync } = require("child_process");
const stopDb = process.env.DOCS_STOP_DB || "";

const failures = [];
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

// --- The document's schemas, compiled with ajv ----------------------------------------------
// OpenAPI 3.1 schemas are JSON Schema 2020-12. Their refs (#/components/schemas/X) point into the
// document: the named schemas are registered as $defs of one schema and the refs rewritten to it.
const ajv = new Ajv2020({ strict: true, allErrors: true });
const DOC_ID = "urn:notes:openapi";
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")
          ? `${DOC_ID}#/$defs/${v.slice("#/components/schemas/".length)}`
          : rewriteRefs(v);
    }
    return out;
  }
  return node;
}
ajv.addSchema({ $id: DOC_ID, $defs: rewriteRefs(doc.components.schemas) });
for (const name of Object.keys(doc.components.schemas)) {
  // Compile every named schema, used or not: strict mode rejects unknown keywords and bad types.
  check(ajv.getSchema(`${DOC_ID}#/$defs/${name}`) !== undefined, `schema ${name} compiles`);
}

function deref(obj) {
  // Follows a local $ref to a component (responses, parameters, requestBodies).
  while (obj && obj.$ref) {
    obj = obj.$ref
      .slice(2)
      .split("/")
      .reduce((o, k) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
  }
  return obj;
}
const validators = new Map();
function validatorFor(schema) {
  const key = JSON.stringify(schema);
  if (!validators.has(key)) validators.set(key, ajv.compile(rewriteRefs(schema)));
  return validators.get(key);
}

// --- The operations and the statuses they document -------------------------------------------
const operations = [];
for (const [p, item] of Object.entries(doc.paths)) {
  for (const m of METHODS) {
    if (!item[m]) continue;
    const re = new RegExp(
      "^" + p.replace(/\/$/, "").replace(/\{[^}]+\}/g, "[^/]+").replace(/[.]/g, "\\.") + "/?$"
    );
    operations.push({ method: m.toUpperCase(), path: p, re, op: item[m], seen: new Set() });
  }
}
function operationFor(method, url) {
  const p = new URL(url, base).pathname;
  return operations.find((o) => o.method === method && o.re.test(p));
}

// --- Requests -------------------------------------------------------------------------------
// node's http, not fetch: fetch refuses a body on GET, and the 413 of GET routes is documented.
function request(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + url, { method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          headers: { get: (h) => res.headers[h.toLowerCase()] },
          text: () => Buffer.concat(chunks).toString("utf8"),
        })
      );
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const authOn = process.env.NOTES_AUTH === "on";
let bearer = null; // with auth on: the token every call sends unless told otherwise
let lastHeaders = { get: () => undefined }; // the headers of the last answer call() checked

async function call(method, url, { body, contentType = "application/json", expect, name, token, headers: extra = {} }) {
  const headers = { ...extra };
  const tok = token === undefined ? bearer : token;
  if (tok) headers["Authorization"] = `Bearer ${tok}`;
  if (body !== undefined && contentType) headers["Content-Type"] = contentType;
  if (body !== undefined) headers["Content-Length"] = Buffer.byteLength(body);
  const res = await request(method, url, headers, body);
  lastHeaders = res.headers;
  const text = res.text();
  const label = `${method} ${url.length > 60 ? url.slice(0, 57) + "..." : url}${name ? ` (${name})` : ""}`;
  const op = operationFor(method, url);
  if (!op) {
    check(false, `${label}: no documented operation matches`);
    return null;
  }
  const status = String(res.status);
  op.seen.add(status);
  check(status === String(expect), `${label}: status ${status}, expected ${expect}`);
  const documented = op.op.responses[status];
  if (!documented) {
    check(false, `${label}: status ${status} is not documented for ${op.method} ${op.path}`);
    return null;
  }
  const response = deref(documented);
  for (const [hname, hdoc] of Object.entries(response.headers || {})) {
    const h = deref(hdoc);
    const value = res.headers.get(hname);
    if (h.required) check(value !== undefined, `${label}: documented header ${hname} is there`);
    if (value !== undefined) {
      const validate = validatorFor(h.schema);
      check(validate(value), `${label}: ${hname}: ${value} matches its documented schema`);
    }
  }
  if (status === "401") {
    check(res.headers.get("www-authenticate") === "Bearer", `${label}: WWW-Authenticate: Bearer`);
  }
  if (!response.content) {
    check(text === "", `${label}: no body, as documented (got ${JSON.stringify(text.slice(0, 60))})`);
    return status === "204" ? {} : null;
  }
  const ctype = res.headers.get("content-type") || "";
  check(/^application\/json\b/i.test(ctype), `${label}: Content-Type ${ctype}`);
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    check(false, `${label}: body is not JSON: ${text.slice(0, 80)}`);
    return null;
  }
  const media = response.content["application/json"];
  const validate = validatorFor(media.schema);
  const ok = validate(json);
  check(
    ok,
    `${label}: body matches the documented schema` +
      (ok ? "" : `: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 200)}`)
  );
  return json;
}

async function main() {
  const t0 = Date.now();
  const served = await (await fetch(`${base}/openapi.json`)).json();
  check(JSON.stringify(served) === JSON.stringify(doc), "/openapi.json is docs/openapi.json of this tree");

  // The documented examples match their own schemas (the document cannot show impossible data).
  let examples = 0;
  for (const o of operations) {
    const bodies = [];
    if (o.op.requestBody)
      for (const [type, media] of Object.entries(deref(o.op.requestBody).content)) bodies.push([`request ${type}`, media]);
    for (const [s, r] of Object.entries(o.op.responses)) {
      if (deref(r).content) bodies.push([s, deref(r).content["application/json"]]);
      else
        check(s === "204" || s === "304" || o.method === "HEAD", `${o.method} ${o.path} ${s}: only a 204, a 304 or HEAD has no body`);
    }
    for (const [where, media] of bodies) {
      const values = [];
      if ("example" in media) values.push(media.example);
      for (const ex of Object.values(media.examples || {})) values.push(ex.value);
      check(values.length > 0, `${o.method} ${o.path} ${where}: has an example`);
      for (const v of values) {
        examples++;
        const validate = validatorFor(media.schema);
        check(validate(v), `${o.method} ${o.path} ${where}: example ${JSON.stringify(v).slice(0, 60)} is valid`);
      }
    }
  }
  console.log(`     ${examples} documented examples checked`);

  const title = `resp ${process.pid} ${Date.now() % 100000}`;
  await call("GET", "/ping", { expect: 200 });
  const FORM = "application/x-www-form-urlencoded";
  let spare = null;
  if (authOn) {
    const user = { username: `resp${process.pid % 100000}`, password: "checked-against-the-doc" };
    await call("POST", "/users/", { body: JSON.stringify(user), expect: 201 });
    await call("POST", "/users/", { body: JSON.stringify(user), expect: 409, name: "taken" });
    await call("POST", "/users/", { body: '{"username": "ab"}', expect: 422, name: "short, no password" });
    const form = new URLSearchParams(user).toString();
    const tok = await call("POST", "/token", { body: form, contentType: FORM, expect: 200 });
    bearer = tok && tok.access_token;
    const tok2 = await call("POST", "/token", { body: form, contentType: FORM, expect: 200, name: "a second session" });
    spare = tok2 && tok2.access_token;
    await call("POST", "/token", {
      body: `username=${user.username}&password=not-the-password`, contentType: FORM, expect: 401, name: "wrong password",
    });
    await call("POST", "/token", { body: "username=x", contentType: FORM, expect: 422, name: "no password" });
    await call("GET", "/users/me", { expect: 200 });
    await call("GET", "/users/me", { token: null, expect: 401, name: "no token" });
    await call("POST", "/logout", { token: null, expect: 401, name: "no token" });
    const note = JSON.stringify({ title: "no token", description: "refused" });
    await call("GET", "/notes/", { token: null, expect: 401, name: "no token" });
    await call("POST", "/notes/", { body: note, token: "x".repeat(43), expect: 401, name: "unknown token" });
    await call("GET", "/notes/1/", { token: null, expect: 401, name: "no token" });
    await call("PUT", "/notes/1/", { body: note, token: null, expect: 401, name: "no token" });
    await call("DELETE", "/notes/1/", { token: null, expect: 401, name: "no token" });
    await call("PATCH", "/notes/1/", { body: note, token: null, expect: 401, name: "no token" });
    await call("HEAD", "/notes/", { token: null, expect: 401, name: "no token" });
    await call("HEAD", "/notes/1/", { token: null, expect: 401, name: "no token" });
    await call("HEAD", "/users/me", { expect: 200 });
    await call("HEAD", "/users/me", { token: null, expect: 401, name: "no token" });
    for (const p of ["/users/", "/users/me", "/token", "/logout"]) {
      await call("OPTIONS", p, { token: null, expect: 204, name: "no token needed" });
      await call("OPTIONS", p, { body: "x".repeat(66000), expect: 413, name: "body over 64 KiB" });
    }
    const huge = "x".repeat(66000);
    await call("GET", "/users/me", { body: huge, expect: 413, name: "body over 64 KiB" });
    await call("POST", "/logout", { body: huge, expect: 413, name: "body over 64 KiB" });
  }
  await call("GET", "/ping/", { expect: 200, name: "trailing slash" });
  const created = await call("POST", "/notes/", {
    body: JSON.stringify({ title, description: "checked against the document" }),
    expect: 201,
  });
  const id = created && created.id;
  check(lastHeaders.get("location") === `/notes/${id}/`, `POST /notes/: Location /notes/${id}/ (got ${lastHeaders.get("location")})`);
  const second = await call("POST", "/notes", {
    body: JSON.stringify({ title: "ééé", description: "x".repeat(50) }),
    expect: 201,
    name: "no trailing slash, 3 and 50 characters",
  });
  const all = await call("GET", "/notes/", { expect: 200 });
  check(Array.isArray(all) && all.some((n) => n.id === id), "GET /notes/ lists the new note");
  const page = await call("GET", "/notes/?limit=1&offset=0", { expect: 200 });
  check(Array.isArray(page) && page.length === 1, "GET /notes/?limit=1 answers one note");
  const empty = await call("GET", "/notes/?limit=0", { expect: 200, name: "limit 0" });
  check(Array.isArray(empty) && empty.length === 0, "GET /notes/?limit=0 answers no note");
  await call("GET", "/notes/?limit=-1", { expect: 422, name: "negative limit" });
  await call("GET", "/notes/?sort=name", { expect: 422, name: "sort not one of its values" });
  await call("GET", "/notes/?after=0", { expect: 422, name: "after 0" });
  await call("GET", `/notes/?q=${"x".repeat(51)}`, { expect: 422, name: "q over 50 characters" });
  const linked = await call("GET", "/notes/?limit=1&sort=-id", { expect: 200, name: "a page with more after it" });
  const link = lastHeaders.get("link");
  check(Array.isArray(linked) && linked.length === 1 && link === `</notes/?limit=1&after=${linked[0].id}&sort=-id>; rel="next"`,
    `GET /notes/?limit=1&sort=-id: Link to the next page (got ${link})`);
  const next = await call("GET", link.slice(1, link.indexOf(">")), { expect: 200, name: "the Link" });
  check(Array.isArray(next) && next.length === 1 && next[0].id < linked[0].id, "the Link's page follows the first");
  const found = await call("GET", `/notes/?q=${encodeURIComponent(title.toUpperCase())}&sort=title`, {
    expect: 200,
    name: "search",
    headers: { Prefer: "count=exact" },
  });
  check(Array.isArray(found) && found.length === 1 && found[0].id === id, "?q= finds the note, whatever the case");
  // With auth on the total counts the token's user's notes: the same one note.
  check(lastHeaders.get("content-range") === "0-0/1", `Prefer: count=exact: Content-Range 0-0/1 (got ${lastHeaders.get("content-range")})`);
  await call("HEAD", "/notes/?limit=1", { expect: 200 });
  check(lastHeaders.get("link") !== undefined, "HEAD /notes/?limit=1: the GET's Link");
  await call("HEAD", "/notes/?limit=-1", { expect: 422, name: "negative limit" });
  await call("GET", "/notes/?offset=abc", { expect: 422, name: "offset not an integer" });
  await call("GET", `/notes/${id}/`, { expect: 200 });
  const etag = lastHeaders.get("etag");
  await call("GET", `/notes/${id}/`, { expect: 304, name: "If-None-Match: its ETag", headers: { "If-None-Match": etag } });
  await call("HEAD", `/notes/${id}/`, { expect: 200 });
  check(lastHeaders.get("etag") === etag, "HEAD /notes/{id}/: the GET's ETag");
  await call("HEAD", `/notes/${id}/`, { expect: 304, name: "If-None-Match", headers: { "If-None-Match": etag } });
  await call("HEAD", "/notes/2147483647/", { expect: 404 });
  await call("GET", `/notes/${id}`, { expect: 200, name: "no trailing slash" });
  await call("HEAD", "/ping", { expect: 200 });
  await call("HEAD", "/ping", { body: "x".repeat(66000), expect: 413, name: "body over 64 KiB" });
  for (const p of ["/ping", "/notes/", `/notes/${id}/`]) await call("OPTIONS", p, { expect: 204 });
  await call("OPTIONS", "/ping", { body: "x".repeat(66000), expect: 413, name: "body over 64 KiB" });
  await call("OPTIONS", "/notes/", { body: "x".repeat(66000), expect: 413, name: "body over 64 KiB" });
  await call("OPTIONS", "/notes/1/", { body: "x".repeat(66000), expect: 413, name: "body over 64 KiB" });
  await call("PATCH", `/notes/${id}/`, {
    body: JSON.stringify({ description: "patched" }),
    contentType: "application/merge-patch+json",
    expect: 200,
  });
  await call("PATCH", `/notes/${id}/`, { body: '{"title": null}', expect: 422, name: "null title" });
  await call("PATCH", "/notes/2147483647/", { body: '{"title": "nobody"}', expect: 404 });
  await call("PATCH", `/notes/${id}/`, {
    body: '{"title": "stale"}',
    expect: 412,
    name: "If-Match: an old ETag",
    headers: { "If-Match": etag },
  });
  await call("PATCH", `/notes/${id}/`, { body: "x".repeat(70000), expect: 413, name: "body over 64 KiB" });
  await call("PUT", `/notes/${id}/`, {
    body: JSON.stringify({ title: "stale", description: "stale" }),
    expect: 412,
    name: "If-Match: an old ETag",
    headers: { "If-Match": etag },
  });
  await call("DELETE", `/notes/${id}/`, { expect: 412, name: "If-Match: an old ETag", headers: { "If-Match": etag } });
  await call("GET", "/notes/0/", { expect: 422, name: "id 0" });
  await call("GET", "/notes/abc/", { expect: 422, name: "id not an integer" });
  await call("GET", "/notes/2147483648/", { expect: 404, name: "id beyond 32 bits" });
  await call("PUT", `/notes/${id}/`, {
    body: JSON.stringify({ title: "updated", description: "updated too" }),
    expect: 200,
  });
  await call("PUT", `/notes/${id}/`, { body: '{"title": "x"}', expect: 422, name: "short title, no description" });
  await call("PUT", "/notes/2147483647/", {
    body: JSON.stringify({ title: "nobody", description: "home" }),
    expect: 404,
  });
  await call("PUT", "/notes/-1/", { body: '{"title":"abc","description":"abc"}', expect: 422, name: "id -1" });
  await call("PUT", `/notes/${id}/`, {
    body: JSON.stringify({ title: "big", description: "x".repeat(70000) }),
    expect: 413,
    name: "body over 64 KiB",
  });
  await call("POST", "/notes/", { body: '{"title": "abc", "description": "x" ', expect: 422, name: "malformed JSON" });
  await call("POST", "/notes/", { body: "[]", expect: 422, name: "not an object" });
  await call("POST", "/notes/", {
    body: '{"title":"abc","description":"xyz"}',
    contentType: "text/plain",
    expect: 422,
    name: "text/plain body",
  });
  await call("POST", "/notes/", {
    body: JSON.stringify({ title: "big", description: "y".repeat(66000) }),
    expect: 413,
    name: "body just over 64 KiB",
  });
  await call("POST", "/notes/", {
    body: JSON.stringify({ title: "big", description: "z".repeat(200000) }),
    expect: 413,
    name: "body far over the limit",
  });
  await call("DELETE", `/notes/${id}/`, { expect: 200 });
  await call("DELETE", `/notes/${id}/`, { expect: 404, name: "already deleted" });
  await call("GET", `/notes/${id}/`, { expect: 404, name: "deleted" });
  await call("DELETE", "/notes/0/", { expect: 422, name: "id 0" });
  // Any route refuses a body over the limit, whatever its method.
  const big = "x".repeat(66000);
  await call("GET", "/ping", { body: big, expect: 413, name: "body over 64 KiB" });
  await call("GET", "/notes/", { body: big, expect: 413, name: "body over 64 KiB" });
  await call("GET", "/notes/1/", { body: big, expect: 413, name: "body over 64 KiB" });
  await call("DELETE", "/notes/1/", { body: big, expect: 413, name: "body over 64 KiB" });
  if (second) await call("DELETE", `/notes/${second.id}/`, { expect: 200 });

  if (authOn) {
    const huge = "x".repeat(66000);
    // The logins and sign-ups above may have used up the limit's burst: let its bucket drain
    // (2/s, bursts of 10), so that these answers are the 413s they check, not 429s.
    await new Promise((r) => setTimeout(r, 6000));
    await call("POST", "/users/", { body: huge, expect: 413, name: "body over 64 KiB" });
    await call("POST", "/token", { body: huge, contentType: FORM, expect: 413, name: "body over 64 KiB" });
    // A volley of logins from this address: nginx's limit answers 429 (then the next ones too).
    let limited = false;
    for (let i = 0; i < 40 && !limited; i++) {
      limited = (await request("POST", "/token", { "Content-Type": FORM }, "username=a&password=b")).status === 429;
    }
    check(limited, "a volley of POST /token from one address gets a 429");
    await call("POST", "/token", { body: "username=a&password=b", contentType: FORM, expect: 429, name: "volley" });
    await call("POST", "/users/", { body: '{"username": "abc", "password": "12345678"}', expect: 429, name: "volley" });
    await call("POST", "/logout", { expect: 204 });
    await call("GET", "/users/me", { expect: 401, name: "logged out" });
    bearer = spare;
    await new Promise((r) => setTimeout(r, 6000)); // the limit's bucket drains (2/s, bursts of 10)
  }
  if (stopDb) {
    execSync(stopDb, { stdio: "inherit" });
    console.log("     the stack's database is stopped");
    await call("GET", "/ping", { expect: 200, name: "database down" });
    const body = JSON.stringify({ title: "while down", description: "nobody listens" });
    await call("GET", "/notes/", { expect: 503, name: "database down" });
    await call("POST", "/notes/", { body, expect: 503, name: "database down" });
    await call("GET", "/notes/1/", { expect: 503, name: "database down" });
    await call("PUT", "/notes/1/", { body, expect: 503, name: "database down" });
    await call("PATCH", "/notes/1/", { body, expect: 503, name: "database down" });
    await call("DELETE", "/notes/1/", { expect: 503, name: "database down" });
    if (authOn) {
      const form = "username=someone&password=something";
      await call("POST", "/users/", { body: '{"username": "downtime", "password": "12345678"}', expect: 503, name: "database down" });
      await call("POST", "/token", { body: form, contentType: FORM, expect: 503, name: "database down" });
      await call("GET", "/users/me", { expect: 503, name: "database down" });
      await call("POST", "/logout", { expect: 503, name: "database down" });
    }
  }

  // With NOTES_AUTH=off (this stack) the account routes and the 401/409/429 answers do not
  // exist; tests/e2e/test_auth.py exercises them with auth on.
  const authOnly = (o, status) =>
    (o.op.tags || []).includes("users") || ["401", "409", "429"].includes(status);
  for (const o of operations) {
    for (const status of Object.keys(o.op.responses)) {
      if (!authOn && authOnly(o, status)) {
        console.log(`     not exercised (NOTES_AUTH=off): ${o.method} ${o.path} ${status}`);
        continue;
      }
      if (status === "503" && !stopDb) {
        console.log(`     not exercised (no DOCS_STOP_DB): ${o.method} ${o.path} ${status}`);
        continue;
      }
      check(o.seen.has(status), `${o.method} ${o.path}: documented ${status} was answered`);
    }
  }
  console.log(`     responses test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main()
  .catch((e) => {
    console.log(`FAIL ${e.stack || e}`);
    failures.push(String(e));
  })
  .finally(() => {
    if (failures.length) {
      console.log(`${failures.length} check(s) failed`);
      process.exit(1);
    }
    console.log("all checks passed");
    process.exit(0);
  });
