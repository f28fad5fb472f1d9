/**
 * The peers `npm run bench:peers` compares Kiln with, installed into `.cache/peers` (git-ignored, its own
 * package.json), never into Kiln's dependencies. isolated-vm is the major that builds on the Node in use:
 * 5.x needs Node ≥ 18, 6.x Node ≥ 22, 7.x Node ≥ 24 (their `engines`).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const PEERS_DIR = join(ROOT, ".cache/peers");

const nodeMajor = Number(process.versions.node.split(".")[0]);
/** The isolated-vm major whose `engines` the running Node satisfies. */
export const ISOLATED_VM = nodeMajor >= 24 ? "7.0.1" : nodeMajor >= 22 ? "6.1.2" : "5.0.4";

export const PEER_PACKAGES: Record<string, string> = {
  "isolated-vm": ISOLATED_VM,
  "@sebastianwessel/quickjs": "3.1.0",
  "quickjs-emscripten": "0.32.0",
  "@jitl/quickjs-wasmfile-release-sync": "0.32.0",
  pyodide: "314.0.8",
};

/** Installs the peers (once; again when a pinned version changes). isolated-vm is compiled against the running Node's own headers. */
export function installPeers(): void {
  mkdirSync(PEERS_DIR, { recursive: true });
  const wanted = JSON.stringify({ name: "kiln-bench-peers", private: true, type: "module", dependencies: PEER_PACKAGES }, null, 2) + "\n";
  const manifest = join(PEERS_DIR, "package.json");
  const installed = Object.entries(PEER_PACKAGES).every(([name, version]) => {
    try {
      return (JSON.parse(readFileSync(join(PEERS_DIR, "node_modules", name, "package.json"), "utf8")) as { version: string }).version === version;
    } catch {
      return false;
    }
  });
  if (installed) return;
  writeFileSync(manifest, wanted);
  // node-gyp would fetch headers from nodejs.org; the running Node ships its own.
  const nodedir = dirname(dirname(process.execPath));
  const env = existsSync(join(nodedir, "include/node/node.h")) ? { ...process.env, npm_config_nodedir: nodedir } : process.env;
  execFileSync("npm", ["install", "--prefix", PEERS_DIR, "--no-audit", "--no-fund", "--no-package-lock"], { stdio: "inherit", env });
}

/** Imports a peer from `.cache/peers`. */
export async function peer<T = any>(name: string): Promise<T> {
  const require = createRequire(join(PEERS_DIR, "package.json"));
  const m = (await import(pathToFileURL(require.resolve(name)).href)) as Record<string, unknown>;
  // A CommonJS peer's exports arrive as `default`: its names are offered at the top too.
  return { ...(m.default && typeof m.default === "object" ? (m.default as object) : {}), ...m } as T;
}

/** Whether a peer loads here; the reason when not. */
export async function peerLoads(name: string): Promise<string | undefined> {
  try {
    await peer(name);
    return undefined;
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}
