# workerd config for Kiln. `npm run build:worker` copies it next to the bundle in dist/workerd/;
# serve with: npx workerd serve dist/workerd/config.capnp --socket-addr http=127.0.0.1:8787
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "kiln", worker = .kiln) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "kiln") ],
);

const kiln :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "emscripten-module.wasm", wasm = embed "emscripten-module.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
