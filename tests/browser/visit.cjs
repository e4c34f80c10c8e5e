// Open pages in headless Chromium (Debian's, through playwright-core), record console errors, page errors and every
// request that would leave 127.0.0.1 (each is blocked), and save a screenshot of each page.
// Usage: node visit.cjs CHROMIUM USER_DATA_DIR JOBS.json
// JOBS: [{"url", "screenshot", "full"?, "type"? (text for the search box), "wait"? (a selector), "script"? (run in
// the page), "waitAfter"? (a selector to wait for after the script; the texts found are returned)}]
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");

async function main() {
  const [executablePath, userDataDir, jobsFile] = process.argv.slice(2);
  const jobs = JSON.parse(fs.readFileSync(jobsFile, "utf8"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run",
    ],
  });
  const results = [];
  for (const job of jobs) {
    const page = await context.newPage();
    const record = { url: job.url, console: [], errors: [], outside: [], failed: [], requests: 0 };
    page.on("console", (m) => { if (m.type() === "error") record.console.push(m.text()); });
    page.on("pageerror", (e) => record.errors.push(String(e)));
    page.on("requestfailed", (r) => { if (!record.outside.includes(r.url())) record.failed.push(r.url()); });
    await page.route("**/*", (route) => {
      const url = route.request().url();
      record.requests += 1;
      const host = url.startsWith("data:") ? "127.0.0.1" : new URL(url).hostname;
      if (host === "127.0.0.1") return route.continue();
      record.outside.push(url);
      return route.abort();
    });
    const response = await page.goto(job.url, { waitUntil: "load" });
    record.status = response ? response.status() : null;
    if (job.wait) await page.waitForSelector(job.wait, { timeout: 30000 });
    if (job.script) await page.evaluate(job.script);
    if (job.waitAfter) {
      await page.waitForSelector(job.waitAfter, { timeout: 60000 });
      record.found = await page.$$eval(job.waitAfter, (els) => els.map((e) => e.textContent));
    }
    if (job.type) {
      await page.fill("form.search input", job.type);
      await page.waitForTimeout(200);
      record.search = await page.$$eval("form.search ol li a", (as) => as.map((a) => a.textContent));
    }
    await page.waitForTimeout(300);
    await page.screenshot({ path: job.screenshot, fullPage: !!job.full });
    record.title = await page.title();
    results.push(record);
    await page.close();
  }
  await context.close();
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
