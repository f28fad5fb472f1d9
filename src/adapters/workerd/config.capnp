# workerd config for Kiln. `npm run build:worker` copies it next to the bundle in dist/workerd/;
# serve with: npx workerd serve dist/workerd/config.capnp --socket-addr http=127.0.0.1:8787
# `kv` lives in one SQLite-backed Durable Object per namespace (KILN_KV), tenants and scripts in one
# more (KILN_PLATFORM), stored in the directory of the `kv-disk` service (the folder must exist;
# override with --directory-path kv-disk=<path>).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "kiln", worker = .kiln),
    (name = "kv-disk", disk = (path = ".kiln/workerd-kv", writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "kiln") ],
);

const kiln :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "emscripten-module.wasm", wasm = embed "emscripten-module.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  durableObjectNamespaces = [
    (className = "KilnKvObject", uniqueKey = "kiln-kv", enableSql = true),
    (className = "KilnPlatformObject", uniqueKey = "kiln-platform", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "kv-disk"),
  bindings = [
    (name = "KILN_KV", durableObjectNamespace = "KilnKvObject"),
    (name = "KILN_PLATFORM", durableObjectNamespace = "KilnPlatformObject"),
  ],
);
