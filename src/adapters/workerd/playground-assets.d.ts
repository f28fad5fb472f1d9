/** The playground's script and stylesheet as text, for `GET /` (read by build.ts from the bundle in KILN_CACHE_DIR). */
declare module "kiln:playground-assets" {
  const assets: { script: string; stylesheet: string };
  export default assets;
}
