/**
 * The Cloudflare deployment path: wrangler.jsonc read with wrangler's own parser (a devDependency),
 * checked against the workerd config the same build writes, and a `wrangler deploy --dry-run` of a
 * fresh build (offline: it packs the upload and stops), whose modules must be those workerd serves.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

type Migration = { new_sqlite_classes?: string[]; new_classes?: string[] };
/** Asynchronous, so the test worker keeps answering vitest while wrangler and the build run for a minute or more. */
const run = promisify(execFile);
const ROOT = new URL("../../../", import.meta.url);
const root = ROOT.pathname;
const dir = mkdtempSync(join(tmpdir(), "kiln-wrangler-"));
const out = join(dir, "workerd");

/** The config wrangler would deploy with, as its parser reads it (it throws on what it cannot read). */
const config = unstable_readConfig({ config: join(root, "wrangler.jsonc") });
const capnp = () => readFileSync(join(out, "config.capnp"), "utf8");

beforeAll(async () => {
  // A build of its own (the edge suite's other tests build dist/workerd at the same time).
  await run(process.execPath, ["--import", "tsx", "src/adapters/workerd/build.ts"], { cwd: root, env: { ...process.env, KILN_WORKER_OUT: out } });
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("wrangler.jsonc", () => {
  it("deploys the built bundle as it is", () => {
    expect(config.main).toBe(join(root, "dist/workerd/worker.js"));
    expect(config.base_dir).toBe(join(root, "dist/workerd"));
    expect(config.no_bundle).toBe(true);
    expect(config.find_additional_modules).toBe(true);
  });

  it("binds the Durable Object classes workerd binds, each created by a new_sqlite_classes migration", () => {
    const bindings = [...capnp().matchAll(/\(name = "(\w+)", durableObjectNamespace = "(\w+)"\)/g)].map(([, name, className]) => ({ name, class_name: className }));
    expect(bindings.length).toBeGreaterThan(0);
    expect(config.durable_objects.bindings).toEqual(bindings);
    // Their storage is SQLite (storage.sql): only new_sqlite_classes gives it, and each class needs a migration.
    expect(capnp()).toMatch(/enableSql = true/);
    const created = (config.migrations as Migration[]).flatMap((m) => m.new_sqlite_classes ?? []);
    expect(created.sort()).toEqual(bindings.map((b) => b.class_name).sort());
    expect((config.migrations as Migration[]).flatMap((m) => m.new_classes ?? [])).toEqual([]);
  });

  it("keeps workerd's compatibility date, and routes the Worker", () => {
    expect(config.compatibility_date).toBe(/compatibilityDate = "([\d-]+)"/.exec(capnp())![1]);
    expect(config.routes?.length).toBeGreaterThan(0);
  });

  it("makes wrangler upload exactly the modules workerd serves, with the bundle exporting the bound classes", async () => {
    // The same file with the build's folder in place of dist/workerd (the only change).
    const text = readFileSync(join(root, "wrangler.jsonc"), "utf8");
    expect(text.match(/"dist\/workerd/g)).toHaveLength(2);
    writeFileSync(join(dir, "wrangler.jsonc"), text.replaceAll('"dist/workerd', `"${out}`).replace('"node_modules/wrangler/config-schema.json"', `"${join(root, "node_modules/wrangler/config-schema.json")}"`));
    const upload = join(dir, "upload");
    const { stdout: log } = await run(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--config", join(dir, "wrangler.jsonc"), "--outdir", upload], {
      cwd: dir,
      env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      encoding: "utf8",
      timeout: 240_000,
    });
    expect(log).toMatch(/--dry-run: exiting now/);
    const served = [...capnp().matchAll(/\(name = "([^"]+)", (?:esModule|wasm|data|text) = embed/g)].map(([, name]) => name!).sort();
    expect(readdirSync(upload).filter((f) => f !== "README.md").sort()).toEqual(served);
    const worker = readFileSync(join(upload, "worker.js"), "utf8");
    for (const b of config.durable_objects.bindings) {
      expect(log).toContain(`env.${b.name} (${b.class_name})`);
      expect(worker).toMatch(new RegExp(`export\\s*\\{[^}]*\\b${b.class_name}\\b[^}]*\\}`));
    }
  }, 300_000);
});
