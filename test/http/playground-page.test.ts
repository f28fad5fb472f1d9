/** `GET /` (the playground page) and its bundled assets, served by the app; the bundle's size budget. */
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { nodePlaygroundAssets } from "../../src/adapters/node/playground-assets.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { PlaygroundAssets } from "../../src/http/playground-page.ts";
import { createPlatform } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import { coreEngine } from "../helpers/fixtures.ts";

/** The budget for the playground's script and stylesheet, gzipped. */
const BUDGET_BYTES = 500 * 1024;

const config = loadConfig({ KILN_DEFAULT_FUEL: "12345", KILN_MAX_FUEL: "50000" });
const load = nodePlaygroundAssets(config.cacheDir);
let assets: PlaygroundAssets;

async function app(withAssets: boolean) {
  return createApp({ config, engines: [await coreEngine()], platform: await createPlatform({ config, store: new MemoryPlatformStore() }), playground: withAssets ? load : undefined });
}

beforeAll(async () => {
  assets = await load();
}, 60_000);

describe("GET /", () => {
  it("serves the playground page, its script and stylesheet from the app itself, no CDN", async () => {
    const server = await app(true);
    const page = await server.request("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/(?:src|href)="https?:/);
    const sources = [...html.matchAll(/(?:src|href)="\/(playground\/[^"]+)"/g)].map((m) => m[1]!).sort();
    expect(sources).toHaveLength(2);
    expect(sources[0]).toMatch(/^playground\/playground\.css\?v=[0-9a-f]{16}$/);
    expect(sources[1]).toMatch(/^playground\/playground\.js\?v=[0-9a-f]{16}$/);
    for (const source of sources) {
      const asset = await server.request(`/${source}`);
      expect(asset.status, source).toBe(200);
      expect(asset.headers.get("content-type"), source).toMatch(source.includes(".css") ? /^text\/css/ : /^text\/javascript/);
      // The versioned URL names this exact content, so it may be cached for good.
      expect(asset.headers.get("cache-control"), source).toContain("immutable");
      expect(await asset.text()).toBe(source.includes(".css") ? assets.stylesheet : assets.script);
    }
    // Without the version (or with an old one), the browser must ask again.
    expect((await server.request("/playground/playground.js")).headers.get("cache-control")).toBe("no-cache");
    expect((await server.request("/playground/other.js")).status).toBe(404);
  });

  it("carries the server's limit defaults and maxima for the usage bars", async () => {
    const html = await (await (await app(true)).request("/")).text();
    const json = /<script type="application\/json" id="kiln-limits">([^<]*)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(json!)).toEqual({ defaults: config.defaults, maxima: config.maxima });
    expect(config.defaults.fuel).toBe(12345);
  });

  it("says how to build the bundle where the adapter has none, and has no assets then", async () => {
    const server = await app(false);
    const page = await server.request("/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("no playground bundle");
    expect((await server.request("/playground/playground.js")).status).toBe(404);
  });

  it("is in the OpenAPI document, with its assets", async () => {
    const doc = (await (await (await app(true)).request("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/", "/playground/{asset}"]));
  });
});

describe("the bundle", () => {
  it(`stays under ${BUDGET_BYTES / 1024} KB gzipped, minified, with no Node built-in`, () => {
    const gzipped = gzipSync(assets.script).length + gzipSync(assets.stylesheet).length;
    expect(gzipped).toBeLessThan(BUDGET_BYTES);
    // Minified: far fewer lines than characters.
    expect(assets.script.split("\n").length).toBeLessThan(50);
    expect(assets.script).not.toMatch(/from\s*["']node:/);
    // CodeMirror is in it (the editor), and so is eventsource-parser (streamed runs and logs).
    expect(assets.script).toContain("cm-content");
  });
});
