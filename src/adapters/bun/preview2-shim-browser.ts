declare const Bun: {
  plugin(plugin: { name: string; setup(build: { onLoad(options: { filter: RegExp }, load: (args: { path: string }) => { contents: string; loader: "js" }): void }): void }): void;
};

/**
 * Makes jco load preview2-shim's browser build on Bun. jco runs its own tools (wasm-tools, the bindgen)
 * as components over preview2-shim, whose Node build starts an I/O thread (node:worker_threads) at import;
 * that thread's TCP module calls `process.binding("tcp_wrap")`, which Bun does not implement, and the
 * thread's unhandled error ends the whole process (measured: the first `POST /v1/components` killed Bun
 * 1.4.5). The browser build has no thread, and jco's `componentWit` and `transpile` do no I/O of their
 * own. Each Node module of the shim (`lib/nodejs/<name>.js`) is loaded as a re-export of its browser
 * twin; only jco imports the shim (Kiln's components get Kiln's own WASI host). Call before jco is imported.
 */
export function usePreview2ShimBrowser(): void {
  Bun.plugin({
    name: "preview2-shim-browser",
    setup(build) {
      build.onLoad({ filter: /[\\/]@bytecodealliance[\\/]preview2-shim[\\/]lib[\\/]nodejs[\\/][a-z-]+\.js$/ }, ({ path }) => ({
        contents: `export * from ${JSON.stringify(path.replace(/nodejs([\\/][a-z-]+\.js)$/, "browser$1"))};`,
        loader: "js",
      }));
    },
  });
}
