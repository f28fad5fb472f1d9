/** Written by `npm run prepare:runtimes` (src/adapters/node/bundle-guest-modules.ts): each library's bundled ES module source, by name. */
declare const libraries: Readonly<Record<string, string>>;
export default libraries;
