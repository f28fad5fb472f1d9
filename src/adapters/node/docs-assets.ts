import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocsAssets, LoadDocsAssets } from "../../http/docs-page.ts";

/** Swagger UI's script and stylesheet from the installed `swagger-ui-dist`, read once when `/docs` is first asked for. */
export function nodeDocsAssets(): LoadDocsAssets {
  let assets: Promise<DocsAssets> | undefined;
  return () =>
    (assets ??= (async () => {
      const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
      const [script, stylesheet] = await Promise.all([readFile(join(dir, "swagger-ui-bundle.js"), "utf8"), readFile(join(dir, "swagger-ui.css"), "utf8")]);
      return { script, stylesheet };
    })().catch((error: unknown) => {
      assets = undefined;
      throw error;
    }));
}
