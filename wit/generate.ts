/**
 * `npm run wit:generate`: everything derived from wit/ that is checked in, written again from it.
 * - src/capabilities/generated/: `jco types` of the `script` world (the imports a component gets);
 * - src/capabilities/wit.generated.ts: the host's TypeScript shape and the signature tables
 *   (src/capabilities/wit-codegen.ts, over src/capabilities/wit-reader.ts);
 * - the generated part of languages/python/kiln_runner.py (Python's `kiln` functions, compiled into
 *   its Wizer snapshot: after a change there, run languages/python/rebuild-snapshot.sh).
 * JavaScript's, TypeScript's, Lua's and Ruby's bindings are generated from the table when their module
 * loads, so they need no step here. `generatedFiles()` is also what test/capabilities/wit-generated.test.ts
 * compares with the checked-in files. With `--check`, writes nothing and fails if any differs.
 */
import { types } from "@bytecodealliance/jco";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pythonKilnFunctions, withGeneratedFunctions } from "../languages/python/binding.ts";
import { generateWitTs, signatureTable } from "../src/capabilities/wit-codegen.ts";
import { readWit } from "../src/capabilities/wit-reader.ts";

const ROOT = new URL("../", import.meta.url);
const WIT_DIR = new URL("wit/", ROOT);
/** Where jco's types go, from the repository's root. */
export const JCO_DIR = "src/capabilities/generated/";

/** wit/*.wit by file name. */
export function witFiles(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(WIT_DIR)
      .filter((f) => f.endsWith(".wit"))
      .sort()
      .map((f) => [f, readFileSync(new URL(f, WIT_DIR), "utf8")]),
  );
}

/** Every generated file's text, by path from the repository's root. */
export async function generatedFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const jco = await types(fileURLToPath(WIT_DIR), { worldName: "script", outDir: JCO_DIR });
  const decoder = new TextDecoder();
  for (const [path, bytes] of Object.entries(jco as Record<string, Uint8Array>)) out[path] = decoder.decode(bytes);

  const tsPath = "src/capabilities/wit.generated.ts";
  out[tsPath] = generateWitTs(readWit(witFiles()));
  const runner = "languages/python/kiln_runner.py";
  out[runner] = withGeneratedFunctions(readFileSync(new URL(runner, ROOT), "utf8"), pythonKilnFunctions(signatureTable(readWit(witFiles()))));
  return out;
}

/** The generated files whose checked-in text differs from a fresh generation, and jco files no longer generated. */
export async function staleFiles(): Promise<string[]> {
  const files = await generatedFiles();
  const stale = Object.entries(files)
    .filter(([path, text]) => {
      try {
        return readFileSync(new URL(path, ROOT), "utf8") !== text;
      } catch {
        return true;
      }
    })
    .map(([path]) => path);
  const present = (readdirSync(new URL(JCO_DIR, ROOT), { recursive: true }) as string[]).map((f) => JCO_DIR + f.replace(/\\/g, "/")).filter((f) => f.endsWith(".ts"));
  return [...stale, ...present.filter((f) => !(f in files))].sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--check")) {
    const stale = await staleFiles();
    if (stale.length) {
      console.error(`wit:generate: out of date: ${stale.join(", ")} (run npm run wit:generate)`);
      process.exit(1);
    }
    console.log("wit:generate: the generated files match wit/");
  } else {
    const files = await generatedFiles();
    const runner = "languages/python/kiln_runner.py";
    const runnerChanged = readFileSync(new URL(runner, ROOT), "utf8") !== files[runner];
    rmSync(new URL(JCO_DIR, ROOT), { recursive: true, force: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(new URL(".", new URL(path, ROOT)), { recursive: true });
      writeFileSync(new URL(path, ROOT), text);
      console.log(`wit:generate: wrote ${path}`);
    }
    // Python's kiln functions are compiled into its Wizer snapshot (test/languages/python/artifact.test.ts checks it).
    if (runnerChanged) console.log(`wit:generate: ${runner} changed: run languages/python/rebuild-snapshot.sh to put it in Python's snapshot`);
  }
}
