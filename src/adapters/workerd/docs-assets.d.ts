/** Swagger UI's script and stylesheet as text, for `GET /docs` (resolved by build.ts from swagger-ui-dist). */
declare module "kiln:docs-assets" {
  const assets: { script: string; stylesheet: string };
  export default assets;
}
