/**
 * The playground in a real browser: Debian's Chromium driven by playwright-core against a real Kiln
 * (`npm start`'s entry on a free port). Each language is picked, typed and run; the usage bars drawn;
 * a script deployed and invoked; a streamed line seen before its run ends; a screenshot saved.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "../helpers/kiln-process.ts";
import { hasService } from "../helpers/services.ts";

const OUTPUT_DIR = new URL("../output/", import.meta.url).pathname;
const available = hasService("chromium", "chromium", "the playground browser test");

/** For each language the server lists, code that prints a line and answers "hi " + the input's name (CEL has no output). */
const PROGRAMS: Record<string, { code: string; stdout: string }> = {
  javascript: { code: 'export default (input) => {\n  console.log("out javascript");\n  return "hi " + input.name;\n}', stdout: "out javascript\n" },
  typescript: { code: 'export default (input: { name: string }): string => {\n  console.log("out typescript");\n  return "hi " + input.name;\n}', stdout: "out typescript\n" },
  python: { code: 'def main(i):\n    print("out python")\n    return "hi " + i["name"]', stdout: "out python\n" },
  lua: { code: 'function main(i)\n  print("out lua")\n  return "hi " .. i.name\nend', stdout: "out lua\n" },
  ruby: { code: 'def main(i)\n  puts "out ruby"\n  "hi " + i["name"]\nend', stdout: "out ruby\n" },
  cel: { code: "'hi ' + name", stdout: "" },
  "cel++": { code: "statements:\n  - return: \"'hi ' + name\"", stdout: "" },
};

const text = (page: Page, selector: string) => page.locator(selector).innerText();

/**
 * One worker, no spare: the server listens sooner on a loaded machine. It still starts its warm runtimes
 * before it serves, so no language's first run pays for starting one (a fresh Ruby can take seconds).
 */
const LIGHT_START = { KILN_WORKERS: "1", KILN_SPARE_WORKERS: "0" };

/**
 * Kiln on Node as `npm start` runs it, on a free loopback port, once `/healthz` answers. The page needs
 * no token from the test: in dev mode on localhost it fetches the dev tenant's own.
 */
async function startServer(): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/adapters/node/main.ts"], { cwd: ROOT, env: { ...process.env, PORT: String(port), KILN_HOST: "127.0.0.1", ...LIGHT_START }, stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 270_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    if (child.exitCode !== null) throw new Error(`kiln exited (${child.exitCode})`);
    if ((await fetch(`${base}/healthz`).catch(() => null))?.ok) return { base, child };
  }
  child.kill();
  throw new Error("kiln did not answer /healthz within 270 s");
}

/** Replaces the editor's content by typing. */
async function typeCode(page: Page, code: string): Promise<void> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  // insertText types the code as is (no auto-indent or closing brackets on top of it).
  await page.keyboard.insertText(code);
}

/** Puts the server's default limits (which the page carries) back in the limit fields. */
async function resetLimits(page: Page): Promise<void> {
  const { defaults } = JSON.parse((await page.locator("#kiln-limits").textContent())!) as { defaults: { fuel: number; memoryMb: number; timeoutMs: number } };
  await page.locator("#limit-fuel").fill(String(defaults.fuel));
  await page.locator("#limit-memory").fill(String(defaults.memoryMb));
  await page.locator("#limit-timeout").fill(String(defaults.timeoutMs));
}

/** Runs what the page holds and waits for the run to end. */
async function run(page: Page, how: "button" | "keys" = "button"): Promise<void> {
  if (how === "button") await page.locator("#run").click();
  else await page.keyboard.press("ControlOrMeta+Enter");
  await page.waitForFunction(() => document.getElementById("run")?.hasAttribute("disabled") === false && document.getElementById("status")?.dataset.state !== "running", null, { timeout: 90_000 });
}

describe.skipIf(!available)("the playground in Chromium", () => {
  let kiln: { base: string; child: ChildProcess };
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    kiln = await startServer();
    const executablePath = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${kiln.base}/`);
    // On localhost in dev mode the page fetches the dev tenant's token by itself, then the languages.
    await page.waitForFunction(() => (document.getElementById("language") as HTMLSelectElement | null)?.options.length, null, { timeout: 60_000 });
    expect(errors).toEqual([]);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    kiln?.child.kill();
  });

  it("runs each language the server lists: picked, typed, run, result and stdout read from the page", async () => {
    const names = await page.locator("#language option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(names.length).toBeGreaterThanOrEqual(5);
    // The longest deadline the server allows: a first Python or Ruby run on a loaded machine is slow.
    const { maxima } = JSON.parse((await page.locator("#kiln-limits").textContent())!) as { maxima: { timeoutMs: number } };
    await page.locator("#limit-timeout").fill(String(maxima.timeoutMs));
    for (const name of names) {
      const program = PROGRAMS[name];
      expect(program, `a program for ${name}`).toBeDefined();
      await page.locator("#language").selectOption(name);
      // Picking a language puts its example in the editor.
      expect(await page.locator(".cm-content").innerText(), name).not.toBe("");
      await typeCode(page, program!.code);
      await run(page, name === "python" ? "keys" : "button");
      expect(await text(page, "#status"), `${name}: ${await text(page, "#error")}`).toBe("ok");
      expect(JSON.parse(await text(page, "#result")), name).toBe("hi Kiln");
      expect(await page.locator("#stdout").textContent(), name).toBe(program!.stdout);
      expect(await text(page, "#start"), name).toMatch(/^(fresh|warm|restored)$/);
    }
    await resetLimits(page);
  }, 300_000);

  it("draws fuel, memory and wall time against the run's limits", async () => {
    await page.locator("#language").selectOption("javascript");
    await page.locator("#limit-fuel").fill("5000");
    await typeCode(page, "export default () => { let s = 0; for (let i = 0; i < 300000; i++) s += i; return s; }");
    await run(page);
    const fuel = await text(page, "#bar-fuel .value");
    const [used, limit] = fuel.split(" / ").map(Number);
    expect(limit).toBe(5000);
    expect(used).toBeGreaterThan(1);
    const width = await page.locator("#bar-fuel .fill").evaluate((el) => (el as HTMLElement).style.width);
    expect(Number.parseFloat(width)).toBeCloseTo((used! / 5000) * 100, 0);
    expect(await text(page, "#bar-memory .value")).toMatch(/MiB \/ \d+ MiB$/);
    expect(await text(page, "#bar-wall .value")).toMatch(/^\d+ ms \/ \d+ ms$/);
    await resetLimits(page);
  }, 120_000);

  it("shows an error's code and message, and marks its line in the editor", async () => {
    await page.locator("#language").selectOption("javascript");
    await typeCode(page, "const a = 1;\nconst b = ;\n");
    await run(page);
    expect(await text(page, "#status")).toBe("syntax_error");
    expect(await text(page, "#error")).toMatch(/^syntax_error .+line 2/);
    expect(await page.locator(".cm-error-line").count()).toBe(1);
    expect(await page.locator(".cm-error-line").innerText()).toBe("const b = ;");
    // A request the server refuses: its code and message, from the 4xx body.
    await page.locator("#input").fill("{not json");
    await run(page);
    expect(await text(page, "#error")).toMatch(/^invalid_json input: not JSON/);
    await page.locator("#input").fill('{"name": "Kiln"}');
    await typeCode(page, 'export default (input) => "hi " + input.name');
    await run(page);
    expect(await text(page, "#status")).toBe("ok");
    expect(await page.locator(".cm-error-line").count()).toBe(0);
  }, 120_000);

  it("deploys a script, invokes it, lists its versions and rolls back", async () => {
    const name = `playground-${Date.now()}`;
    await page.locator("#language").selectOption("javascript");
    await page.locator("#tab-deploy").click();
    await page.locator("#deploy-name").fill(name);
    await typeCode(page, "export default (order) => ({ total: order.qty * 12 })");
    await page.locator("#deploy").click();
    await page.waitForFunction((n) => document.getElementById("deploy-state")?.textContent === `deployed ${n} v1`, name, { timeout: 60_000 });
    await page.locator("#input").fill('{"qty": 3}');
    await page.locator("#invoke").click();
    await page.waitForFunction(() => document.getElementById("status")?.dataset.state !== "running", null, { timeout: 60_000 });
    expect(JSON.parse(await text(page, "#result"))).toEqual({ total: 36 });
    await typeCode(page, "export default (order) => ({ total: order.qty * 10 })");
    await page.locator("#deploy").click();
    await page.waitForFunction((n) => document.getElementById("deploy-state")?.textContent === `deployed ${n} v2`, name, { timeout: 60_000 });
    expect(await page.locator("#versions li").count()).toBe(2);
    await page.locator("#versions li button").click();
    await page.waitForFunction(() => document.getElementById("deploy-state")?.textContent === "v1 is live", null, { timeout: 60_000 });
    await page.locator("#invoke").click();
    await page.waitForFunction(() => document.getElementById("status")?.dataset.state !== "running", null, { timeout: 60_000 });
    expect(JSON.parse(await text(page, "#result"))).toEqual({ total: 36 });
    await page.locator("#input").fill('{"name": "Kiln"}');
    await page.locator("#tab-run").click();
  }, 120_000);

  it("follows the tenant's logs live in the Logs tab", async () => {
    await page.locator("#language").selectOption("javascript");
    await typeCode(page, 'export default () => { console.log("to the log stream"); return 1; }');
    await run(page);
    await page.locator("#tab-logs").click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll("#logs li")).some((li) => li.textContent?.includes("stdout: to the log stream")), null, { timeout: 30_000 });
    expect(await text(page, "#logs-state")).toBe("following");
    await page.locator("#tab-run").click();
  }, 60_000);

  it("shows a printed line while the run still goes (streamed), before the run ends out of fuel", async () => {
    await page.locator("#language").selectOption("javascript");
    await page.locator("#limit-fuel").fill("5000");
    await page.locator("#limit-timeout").fill("30000");
    await typeCode(page, 'console.log("before the loop");\nlet i = 0;\nfor (;;) i++;\n');
    // Notes the run's state at the moment the line first shows.
    await page.evaluate(() => {
      const w = window as unknown as { stateWhenPrinted?: string };
      const stdout = document.getElementById("stdout")!;
      new MutationObserver((_, observer) => {
        if (!stdout.textContent?.includes("before the loop")) return;
        w.stateWhenPrinted = document.getElementById("status")!.dataset.state;
        observer.disconnect();
      }).observe(stdout, { childList: true, characterData: true, subtree: true });
    });
    await run(page);
    expect(await text(page, "#status")).toBe("fuel_exhausted");
    expect(await page.locator("#stdout").textContent()).toBe("before the loop\n");
    expect(await page.evaluate(() => (window as unknown as { stateWhenPrinted?: string }).stateWhenPrinted)).toBe("running");
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}playground.png` });
    await resetLimits(page);
  }, 120_000);
});
