/**
 * The playground's weight for `npm run bench`: its script and stylesheet as bundled at install
 * (src/adapters/node/bundle-playground.ts, minified), gzipped with zlib, against the budget of
 * 500 KB. A size, not a timing: it does not depend on the machine. Returns its section of bench/RESULTS.md.
 */
import { gzipSync } from "node:zlib";
import { bundlePlayground } from "../src/adapters/node/bundle-playground.ts";

export const PLAYGROUND_BUDGET_BYTES = 500 * 1024;

export async function playgroundSection(): Promise<string> {
  const { script, stylesheet } = await bundlePlayground();
  const size = (text: string) => ({ raw: new TextEncoder().encode(text).length, gzipped: gzipSync(text).length });
  const js = size(script);
  const css = size(stylesheet);
  const total = js.gzipped + css.gzipped;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  return `## The playground's bundle

What a browser downloads for \`/\` (besides the HTML page): the script (CodeMirror 6 with its language modes,
eventsource-parser, the page's code) and the stylesheet, minified by esbuild at install time.

| asset | minified | gzipped |
|---|---|---|
| playground.js | ${kb(js.raw)} | ${kb(js.gzipped)} |
| playground.css | ${kb(css.raw)} | ${kb(css.gzipped)} |
| total | ${kb(js.raw + css.raw)} | ${kb(total)} (budget ${kb(PLAYGROUND_BUDGET_BYTES)}: ${total < PLAYGROUND_BUDGET_BYTES ? "within" : "OVER"}, ${((total / PLAYGROUND_BUDGET_BYTES) * 100).toFixed(0)}%) |

`;
}
