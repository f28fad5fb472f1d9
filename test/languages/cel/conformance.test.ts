/**
 * The official CEL conformance cases (@bufbuild/cel-spec) through Kiln's `cel` language, on the real
 * QuickJS engine, next to @marcbachmann/cel-js, the library it bundles, evaluating the same cases on
 * the host. `npm test` runs every case on the host and a fixed seeded sample through Kiln (each is a
 * fresh run that evaluates the library's bundle first); `npm run test:cel-conformance` runs them all
 * through Kiln. Both print their pass rates.
 */
import { Environment } from "@marcbachmann/cel-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { coreEngine, job } from "../../helpers/fixtures.ts";
import { conformanceCases, kilnInput, LIBRARY_OPTIONS, passesInKiln, passesOnHost, sample, type ConformanceCase } from "./conformance-cases.ts";

const FULL = process.env.KILN_CEL_CONFORMANCE === "full";
const SAMPLE = 40;
const SEED = 16;

let engine: QuickJSEngine;
beforeAll(async () => {
  engine = await coreEngine();
});
afterAll(() => engine.dispose());

const all = conformanceCases();
const chosen = FULL ? all : sample(all, SAMPLE, SEED);
const percent = (n: number, of: number) => `${n}/${of} (${((100 * n) / of).toFixed(1)}%)`;

async function passesThroughKiln(c: ConformanceCase): Promise<boolean> {
  const input = kilnInput(c);
  if (input === undefined) return false;
  const out = await engine.run(job("cel", c.expr, { input, limits: { timeoutMs: 30_000 } }));
  return passesInKiln(c, out as Parameters<typeof passesInKiln>[1]);
}

it(`runs the CEL conformance cases through Kiln's cel language (${FULL ? "all" : `a seeded sample of ${SAMPLE}`}) and the library on the host`, async () => {
  expect(all.length).toBeGreaterThan(2000);
  const env = new Environment(LIBRARY_OPTIONS);
  const onHostAll = all.filter((c) => passesOnHost(c, env)).length;
  const onHost = chosen.filter((c) => passesOnHost(c, env));
  let inKiln = 0;
  const differ: string[] = [];
  for (const c of chosen) {
    const kiln = await passesThroughKiln(c);
    if (kiln) inKiln++;
    if (kiln !== onHost.includes(c)) differ.push(`${kiln ? "kiln only" : "host only"}: ${c.name}`);
  }
  const unexpressible = chosen.filter((c) => kilnInput(c) === undefined).length;
  console.log(
    [
      `CEL conformance (@bufbuild/cel-spec), ${FULL ? "all cases" : `seeded sample of ${SAMPLE} (seed ${SEED})`}:`,
      `  Kiln cel language:        ${percent(inKiln, chosen.length)}`,
      `  cel-js on the host:       ${percent(onHost.length, chosen.length)}`,
      `  cel-js on the host (all): ${percent(onHostAll, all.length)}`,
      `  cases whose bindings JSON input cannot carry: ${unexpressible}`,
      ...differ.map((d) => `  ${d}`),
    ].join("\n"),
  );
  // The data and the judging are real: the library passes most cases and fails some (protobuf messages, for one).
  expect(onHostAll / all.length).toBeGreaterThan(0.5);
  expect(onHostAll).toBeLessThan(all.length);
  // Kiln runs the library itself: it passes what the library passes, give or take the JSON boundary.
  expect(inKiln).toBeGreaterThanOrEqual(onHost.length - Math.max(2, Math.ceil(chosen.length * 0.1)));
}, FULL ? 3_600_000 : 120_000);
