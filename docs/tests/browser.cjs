// docs/tests/browser.cjs: the documentation pages in a real browser (Debian's Chromium, driven
// by playwright-core) against a running stack at $BASE_URL.
//   /docs:  Swagger UI shows every operation of the served document; "Try it out" + "Execute"
//           on POST /notes/ creates a note in the real service, and on GET /notes/{id}/ reads
//           it back; both responses are the service's.
//   /redoc: ReDoc shows every operation.
// With NOTES_AUTH=on (the stack's mode; docs/tests/browser.sh runs both): a user is registered
// through the API, "Authorize" logs in with the OAuth2 password flow (POST /token from the
// dialog), and "Try it out" then sends the bearer token with POST /notes/ and GET /notes/{id}/.
// Every request the pages make must go to $BASE_URL (no CDN, no web fonts): others are blocked
// and fail the test, as do page errors and console errors (a Content-Security-Policy violation
// is one). Saves screenshots of /docs (screenshot-docs.png) and of the POST it ran
// (screenshot-try-it-out.png) in $DOCS_SCREENSHOT_DIR (default $top_builddir/docs/tests; the
// README's copies are in docs/, made with DOCS_SCREENSHOT_DIR=docs).
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const base = (process.env.BASE_URL || "").replace(/\/+$/, "");
if (!base) {
  console.error("FAIL: BASE_URL is not set (run through tests/e2e/with-stack)");
  process.exit(1);
}
const origin = new URL(base).origin;
const topSrc = process.env.top_srcdir || path.join(__dirname, "..", "..");
const topBuild = process.env.top_builddir || topSrc;
const shots = process.env.DOCS_SCREENSHOT_DIR || path.join(topBuild, "docs", "tests");
const screenshot = path.join(shots, "screenshot-docs.png");
const screenshotTry = path.join(shots, "screenshot-try-it-out.png");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
// ReDoc 2.5's footer ("API docs by Redocly") shows a logo from its CDN; the pages'
// Content-Security-Policy blocks it before any request is made (ReDoc then hides the image).
// That blocked load is expected; any other blocked or foreign load fails the test.
const EXPECTED_BLOCKED = ["https://cdn.redoc.ly/redoc/logo-mini.svg"];
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

const failures = [];
function check(ok, what) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    console.log(`FAIL ${what}`);
    failures.push(what);
  }
}

function operationsOf(doc) {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      if (item[m]) {
        ops.push({ method: m, path: p, ...item[m] });
      }
    }
  }
  return ops;
}

let browser = null;

async function main() {
  const t0 = Date.now();
  const doc = JSON.parse(fs.readFileSync(path.join(topSrc, "docs", "openapi.json"), "utf8"));
  const ops = operationsOf(doc);
  // Ten of the tutorial and the accounts, and issue 12's PATCH, three HEADs and seven OPTIONS.
  check(ops.length === 22, `the document has the 22 operations (${ops.length})`);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const foreign = [];
  const problems = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === origin) {
      return route.continue();
    }
    foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30000); // generous: the machine may be busy with other tests
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const blocked = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const csp = /^Loading the \w+ '([^']+)' violates the following Content Security Policy/.exec(m.text());
    if (csp && EXPECTED_BLOCKED.includes(csp[1])) {
      blocked.push(csp[1]);
      return;
    }
    problems.push(`console error: ${m.text()}`);
  });
  const served = [];
  page.on("response", (r) => served.push(`${r.status()} ${r.url()}`));

  // --- Swagger UI ---------------------------------------------------------------------------
  const resp = await page.goto(`${base}/docs`);
  check(resp.status() === 200, `GET /docs answers 200 (${resp.status()})`);
  check(
    /^text\/html;\s*charset=utf-8$/i.test(resp.headers()["content-type"] || ""),
    `/docs is text/html; charset=utf-8 (${resp.headers()["content-type"]})`
  );
  const servedDoc = await (await context.request.get(`${base}/openapi.json`)).json();
  check(
    JSON.stringify(servedDoc) === JSON.stringify(doc),
    "/openapi.json is docs/openapi.json of this tree"
  );

  // What nginx serves around the pages: types, the trailing-slash forms, JSON errors.
  const expectServed = [
    ["GET", "/docs/", 200, /^text\/html/],
    ["GET", "/redoc/", 200, /^text\/html/],
    ["GET", "/openapi.json", 200, /^application\/json/],
    ["GET", "/docs/static/swagger-ui-bundle.js", 200, /^application\/javascript/],
    ["GET", "/docs/static/swagger-ui.css", 200, /^text\/css/],
    ["GET", "/docs/static/redoc.standalone.js", 200, /^application\/javascript/],
    ["GET", "/docs/static/no-such-file.js", 404, /^application\/json/],
    ["POST", "/docs", 405, /^application\/json/],
    ["DELETE", "/openapi.json", 405, /^application\/json/],
  ];
  for (const page of ["/docs", "/redoc"]) {
    const html = await (await context.request.get(`${base}${page}`)).text();
    check(/<meta charset="utf-8">/i.test(html), `${page} declares <meta charset="utf-8">`);
    check(!/https?:\/\/(?!www\.w3\.org)/i.test(html.replace(/<!--[\s\S]*?-->/g, "")), `${page} names no other site`);
  }
  for (const [method, url, status, type] of expectServed) {
    const r = await context.request.fetch(`${base}${url}`, { method });
    const ct = r.headers()["content-type"] || "";
    check(r.status() === status && type.test(ct), `${method} ${url}: ${r.status()} ${ct}`);
  }

  await page.locator(".opblock").nth(ops.length - 1).waitFor();
  const shown = await page.locator(".opblock").evaluateAll((els) =>
    els.map((el) => ({
      id: el.id,
      method: el.querySelector(".opblock-summary-method").textContent.trim().toLowerCase(),
      path: el.querySelector(".opblock-summary-path").getAttribute("data-path"),
    }))
  );
  check(shown.length === ops.length, `Swagger UI shows ${ops.length} operations (${shown.length})`);
  for (const op of ops) {
    const hit = shown.find((s) => s.method === op.method && s.path === op.path);
    check(
      hit && hit.id.endsWith(`-${op.operationId}`),
      `Swagger UI shows ${op.method.toUpperCase()} ${op.path} (${op.operationId})`
    );
  }
  const title = await page.locator(".info .title").first().textContent();
  check(title.includes(doc.info.title), `Swagger UI shows the title "${doc.info.title}"`);
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`     screenshot: ${screenshot}`);

  // With auth on: "Authorize" logs in with the password flow, as a user of /docs would.
  const authOn = process.env.NOTES_AUTH === "on";
  let bearer = null;
  if (authOn) {
    const user = { username: `swagger${Date.now() % 100000}`, password: "tried-in-swagger" };
    const reg = await context.request.post(`${base}/users/`, { data: user });
    check(reg.status() === 201, `a user is registered through the API (${reg.status()})`);
    await page.locator(".auth-wrapper button.authorize").first().click();
    const dialog = page.locator(".dialog-ux .modal-ux");
    await dialog.waitFor();
    await dialog.locator("#oauth_username").fill(user.username);
    await dialog.locator("#oauth_password").fill(user.password);
    const [tokenResponse] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/token` && r.request().method() === "POST"),
      dialog.locator(".auth-btn-wrapper button.authorize").first().click(),
    ]);
    check(tokenResponse.status() === 200, `Authorize sent POST /token and got 200 (${tokenResponse.status()})`);
    const tokenBody = await tokenResponse.json();
    bearer = tokenBody.access_token;
    check(/^[A-Za-z0-9_-]{43}$/.test(bearer || ""), "the token answer holds a bearer token");
    // Once logged in, the dialog's button turns into "Logout" ("Remove authorization").
    await dialog.locator('button[aria-label="Remove authorization"]').first().waitFor();
    check(true, "the dialog shows the user as authorized (Logout button)");
    await dialog.locator(".auth-btn-wrapper button.btn-done").first().click();
  }

  // "Try it out" on POST /notes/: the example body is prefilled; send it to the real service.
  const unique = `Tried out ${Date.now() % 100000}`;
  const post = page.locator(`.opblock[id$="-create_note_notes__post"]`);
  await post.locator(".opblock-summary").first().click();
  await post.locator("button.try-out__btn").click();
  const bodyBox = post.locator("textarea.body-param__text");
  const example = JSON.parse(await bodyBox.inputValue());
  check(
    example.title === "something" && example.description === "something else",
    `the request body is prefilled with the documented example (${JSON.stringify(example)})`
  );
  await bodyBox.fill(JSON.stringify({ title: unique, description: "written by Swagger UI" }, null, 2));
  const [postResponse] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${base}/notes/` && r.request().method() === "POST"),
    post.locator("button.execute").click(),
  ]);
  check(postResponse.status() === 201, `Execute sent POST /notes/ and got 201 (${postResponse.status()})`);
  if (authOn) {
    const sent = (await postResponse.request().allHeaders())["authorization"] || "";
    check(sent === `Bearer ${bearer}`, `Try it out sent the bearer token (${sent.slice(0, 12)}...)`);
  }
  const created = await postResponse.json();
  const postStatus = post.locator(".live-responses-table tr.response .response-col_status").first();
  await postStatus.waitFor();
  check((await postStatus.textContent()).trim() === "201", "Swagger UI displays the 201");
  const postBody = await post.locator(".live-responses-table tr.response .response-col_description pre.microlight").first().textContent();
  check(
    postBody.includes(`"id": ${created.id}`) && postBody.includes(unique),
    `Swagger UI displays the created note (id ${created.id})`
  );
  await post.screenshot({ path: screenshotTry });
  console.log(`     screenshot: ${screenshotTry}`);

  // "Try it out" on GET /notes/{id}/ with the new id: the service answers the stored note.
  const get = page.locator(`.opblock[id$="-read_note_notes__id___get"]`);
  await get.locator(".opblock-summary").first().click();
  await get.locator("button.try-out__btn").click();
  await get.locator('tr[data-param-name="id"] input').fill(String(created.id));
  const [getResponse] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${base}/notes/${created.id}/`),
    get.locator("button.execute").click(),
  ]);
  check(getResponse.status() === 200, `Execute sent GET /notes/${created.id}/ and got 200 (${getResponse.status()})`);
  const getBody = await get.locator(".live-responses-table tr.response .response-col_description pre.microlight").first().textContent();
  check(
    JSON.stringify(JSON.parse(getBody)) ===
      JSON.stringify({ title: unique, description: "written by Swagger UI", id: created.id }),
    "Swagger UI displays the note read back from the database"
  );
  // Clean up through the API itself.
  await context.request.delete(`${base}/notes/${created.id}/`, {
    headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
  });

  // --- ReDoc --------------------------------------------------------------------------------
  const rresp = await page.goto(`${base}/redoc`);
  check(rresp.status() === 200, `GET /redoc answers 200 (${rresp.status()})`);
  await page.locator('[data-section-id^="tag/"][data-section-id*="/operation/"]').nth(ops.length - 1).waitFor();
  const sections = await page.locator('[data-section-id^="tag/"][data-section-id*="/operation/"]').evaluateAll((els) =>
    els.map((el) => ({
      id: el.getAttribute("data-section-id"),
      heading: (el.querySelector("h2") || { textContent: "" }).textContent.trim(),
    }))
  );
  check(sections.length === ops.length, `ReDoc shows ${ops.length} operations (${sections.length})`);
  for (const op of ops) {
    const hit = sections.find((s) => s.id.endsWith(`operation/${op.operationId}`));
    check(hit && hit.heading === op.summary, `ReDoc shows "${op.summary}" (${op.operationId})`);
  }
  // The operation's method and path are in ReDoc's endpoint box.
  const endpoints = await page.locator('[data-section-id^="tag/"][data-section-id*="/operation/"]').evaluateAll((els) =>
    els.map((el) => el.textContent.replace(/\s+/g, " "))
  );
  for (const op of ops) {
    const re = new RegExp(`${op.method}\\s*${op.path.replace(/[{}]/g, "\\$&")}`, "i");
    check(endpoints.some((t) => re.test(t)), `ReDoc shows ${op.method.toUpperCase()} ${op.path}`);
  }

  console.log(`     blocked by the page's CSP, as expected: ${blocked.join(", ") || "nothing"}`);
  check(foreign.length === 0, `no request left ${origin}${foreign.length ? ": " + foreign.join(", ") : ""}`);
  check(problems.length === 0, `no page or console errors${problems.length ? ": " + problems.join(" | ") : ""}`);
  const failed = served.filter((s) => !/^(2|3)\d\d /.test(s) && !s.includes(`/notes/`));
  check(failed.length === 0, `every asset loaded${failed.length ? ": " + failed.join(", ") : ""}`);
  console.log(`     browser test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main()
  .catch((e) => {
    console.log(`FAIL ${e.stack || e}`);
    failures.push(String(e));
  })
  .finally(async () => {
    if (browser) await browser.close().catch(() => {});
    if (failures.length) {
      console.log(`${failures.length} check(s) failed`);
      process.exit(1);
    }
    console.log("all checks passed");
    process.exit(0);
  });
