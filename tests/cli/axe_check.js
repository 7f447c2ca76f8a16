// Run axe-core in headless Chromium on local HTML files and print the violations as JSON.
// Usage: node axe_check.js NODE_MODULES CHROMIUM FILE...  (exit 0; the caller judges)
"use strict";
const path = require("path");
const [modules, chromium, ...files] = process.argv.slice(2);
const puppeteer = require(path.join(modules, "puppeteer-core"));
const axePath = require.resolve(path.join(modules, "axe-core", "axe.min.js"));

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const out = {};
  try {
    for (const f of files) {
      const page = await browser.newPage();
      // helby's pages forbid scripts (Content-Security-Policy); axe is the tester's script.
      await page.setBypassCSP(true);
      await page.goto("file://" + path.resolve(f), { waitUntil: "load" });
      await page.addScriptTag({ path: axePath });
      // Every rule axe runs by default (WCAG 2.0/2.1 A and AA and best practices).
      const res = await page.evaluate(async () => {
        const r = await window.axe.run(document);
        return r.violations.map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
        }));
      });
      out[f] = res;
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(2);
});
