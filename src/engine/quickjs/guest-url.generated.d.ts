/** Written by `npm run prepare:runtimes` (src/adapters/node/bundle-guest-modules.ts): core-js's URL and URLSearchParams as one guest expression. */
declare const source: string;
export default source;
