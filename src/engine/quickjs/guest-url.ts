/**
 * The guest's `URL` and `URLSearchParams`: core-js's WHATWG URL implementation (core-js-pure, pinned in
 * package.json), bundled at prepare time into guest-url.generated.js (src/adapters/node/bundle-guest-modules.ts)
 * and compiled inside the guest when a script first touches either name. Read once per process: it is
 * imported, not read from disk, so every adapter (the Worker's build too) gets it the same way.
 */
let factory: string | undefined;
let loading: Promise<string | undefined> | undefined;

/** Loads the bundled source (undefined when the prepare step never ran: the guest's `URL` then throws, saying so). */
export function loadGuestUrl(): Promise<string | undefined> {
  return (loading ??= import("./guest-url.generated.js").then(
    (m) => {
      factory = `(function (write, g) {
  const m = ${m.default};
  for (const name of ["URL", "URLSearchParams"]) Object.defineProperty(g, name, { value: m[name], writable: true, configurable: true });
  return {};
})`;
      return m.default;
    },
    () => undefined,
  ));
}

/**
 * What the prelude's lazy loader evaluates for the `url` group: a function `(write, g)` that defines
 * `URL` and `URLSearchParams` on the global object; without the bundle (the prepare step never ran),
 * one that defines nothing, so both stay undefined.
 */
export function guestUrlFactory(): string {
  return factory ?? "(function () { return {}; })";
}

