/**
 * One run in a fresh process (`node --import tsx bench/cold-start.ts <language>`), as a new server or
 * worker pays it: load the prepared runtime from the cache, compile its modules, one fresh instance,
 * one run. V8 shares compiled code for identical bytes within a process, so only a new process shows
 * this cost. Prints `{"loadMs", "runMs"}`.
 */
import { componentRuntimes } from "../languages/index.ts";
import { prepareComponentRuntime } from "../src/adapters/node/prepare-component-runtime.ts";
import { loadConfig } from "../src/config.ts";
import { ComponentEngine } from "../src/engine/component/component-engine.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";

const language = process.argv[2];
const CODE: Record<string, string> = { lua: "function main() return 1 + 1 end", ruby: "def main = 1 + 1" };
const descriptor = componentRuntimes.find((d) => d.language.name === language);
if (!descriptor || !CODE[language!]) throw new Error(`cold-start: unknown language ${language}`);
const config = loadConfig(process.env);
let t = performance.now();
const engine = new ComponentEngine([await prepareComponentRuntime(descriptor, { cacheDir: config.cacheDir })]);
const loadMs = performance.now() - t;
t = performance.now();
const out = await engine.run({
  language: language!,
  code: CODE[language!]!,
  inputJson: "null",
  limits: resolveLimits(undefined, config),
  host: { grants: { secrets: {} }, limits: config.hostLimits },
});
const runMs = performance.now() - t;
if (!out.ok) throw new Error(JSON.stringify(out));
console.log(JSON.stringify({ loadMs, runMs }));
