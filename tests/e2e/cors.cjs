// tests/e2e/cors.cjs: a page on another origin ($PAGE_URL) calls the API ($BASE_URL) from
// Debian's Chromium (playwright-core), as a browser app would. With CORS_EXPECT=allowed (the
// stack runs with NOTES_CORS_ORIGINS naming the page's origin) a simple GET, a POST with a JSON
// body and a PUT with If-Match (both preflighted) succeed, and the page can read the exposed
// ETag and Location; with CORS_EXPECT=refused (CORS off, the default) the browser refuses every
// answer and, its preflight refused, the POST never reaches the API.
"use strict";
const { chromium } = require("playwright-core");

const base = (process.env.BASE_URL || "").replace(/\/+$/, "");
const page_url = process.env.PAGE_URL || "";
const expect = process.env.CORS_EXPECT || "";
if (!base || !page_url || !["allowed", "refused"].includes(expect)) {
  console.error("FAIL: needs BASE_URL, PAGE_URL and CORS_EXPECT=allowed|refused");
  process.exit(1);
}
const failures = [];
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

// Runs in the page: three cross-origin calls; each gives {ok, status, etag, location, error}.
async function calls(api) {
  const out = {};
  async function one(name, url, init) {
    try {
      const r = await fetch(url, init);
      out[name] = { ok: true, status: r.status, etag: r.headers.get("ETag"), location: r.headers.get("Location"),
                    body: await r.text() };
    } catch (e) {
      out[name] = { ok: false, error: String(e) };
    }
  }
  const title = "cors " + Date.now();
  await one("get", api + "/notes/?limit=1", {});
  await one("post", api + "/notes/", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ title, description: "from another origin" }),
  });
  const id = out.post.ok ? JSON.parse(out.post.body).id : 1;
  await one("put", api + "/notes/" + id + "/", {
    method: "PUT",
    headers: { "Content-Type": "application/json", "If-Match": (out.post.ok && out.post.etag) || '"0"' },
    body: JSON.stringify({ title: title + " 2", description: "edited with If-Match" }),
  });
  out.title = title;
  return out;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    await page.goto(page_url, { waitUntil: "load" });
    check(new URL(page.url()).origin !== new URL(base).origin, `the page (${new URL(page.url()).origin}) is on another origin than the API (${new URL(base).origin})`);
    const r = await page.evaluate(calls, base);
    console.log("     " + JSON.stringify(r).slice(0, 600));
    if (expect === "allowed") {
      check(r.get.ok && r.get.status === 200, "GET /notes/ from another origin: 200, readable");
      check(r.post.ok && r.post.status === 201, "POST /notes/ (preflighted) from another origin: 201");
      check(r.post.ok && /^"[0-9]+"$/.test(r.post.etag || ""), `the page reads the exposed ETag (${r.post.etag})`);
      check(r.post.ok && /^\/notes\/[0-9]+\/$/.test(r.post.location || ""), `the page reads the exposed Location (${r.post.location})`);
      check(r.put.ok && r.put.status === 200, "PUT with If-Match (a preflighted header): 200");
    } else {
      for (const name of ["get", "post", "put"]) check(!r[name].ok, `${name}: the browser refuses the answer (${r[name].error})`);
      check(consoleErrors.some((e) => /CORS policy/.test(e)), "Chromium reports the CORS policy");
      // The POST's preflight was refused, so the POST itself never reached the API.
      const list = await (await fetch(`${base}/notes/?q=${encodeURIComponent(r.title)}`)).json();
      check(Array.isArray(list) && list.length === 0, "the refused POST created no note");
    }
  } finally {
    await browser.close();
  }
}

main()
  .catch((e) => {
    console.log(`FAIL ${e.stack || e}`);
    failures.push(String(e));
  })
  .finally(() => {
    console.log(failures.length ? `${failures.length} check(s) failed` : "all checks passed");
    process.exit(failures.length ? 1 : 0);
  });
