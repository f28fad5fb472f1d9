/**
 * Checks HTTP responses against the app's own OpenAPI document (`GET /openapi.json`): the route is in
 * it, the status is one it lists, the content type is one it lists for that status, and a JSON body
 * validates (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses) against the schema it gives. The test
 * helpers run every response through it, so a response the contract does not describe fails its test.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** One documented response check; throws with what does not match. */
export type ResponseCheck = (method: string, path: string, status: number, contentType: string | null, text: string) => void;

/** The document's path templates as patterns, the most literal first (`/docs` before `/docs/{asset}`). */
function templates(document: Document): { template: string; pattern: RegExp }[] {
  return Object.keys(document.paths)
    .map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
      params: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/** A checker for the responses of the app whose document this is; `offDocument: "skip"` leaves paths no route has unchecked. */
export function responseChecker(document: Document, options: { offDocument?: "404" | "skip" } = {}): ResponseCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: "kiln-openapi" });
  const compiled = new Map<string, ValidateFunction>();
  const paths = templates(document);
  const errorSchema = (status: number) => `kiln-openapi#/components/schemas/Error${status}`;

  return (method, path, status, contentType, text) => {
    const where = `${method} ${path} → ${status}`;
    const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
    const found = paths.find((p) => p.pattern.test(path) && document.paths[p.template]![method.toLowerCase()]);
    let ref: string;
    if (!found) {
      // A path no route has, sent by the fuzz suite: its own checks cover the error body (auth may answer before routing does).
      if (options.offDocument === "skip") return;
      // No route: the app's JSON 404 (or a 404/400 from the HTTP layer).
      if (status !== 404 && status !== 400) throw new Error(`${where}: the path is not in the OpenAPI document, yet the answer is not a 404`);
      ref = errorSchema(status);
    } else {
      const operation = document.paths[found.template]![method.toLowerCase()]!;
      const response = operation.responses[String(status)] ?? operation.responses.default;
      if (!response) throw new Error(`${where}: status ${status} is not documented for ${method} ${found.template}`);
      const content = response.content ?? {};
      if (!(mediaType in content)) {
        if (!text && !Object.keys(content).length) return;
        throw new Error(`${where}: content type ${JSON.stringify(contentType)} is not documented (documented: ${Object.keys(content).join(", ") || "none"})`);
      }
      if (mediaType !== "application/json") return;
      ref = `kiln-openapi#/${pointer("paths", found.template, method.toLowerCase(), "responses", String(status), "content", mediaType, "schema")}`;
    }
    if (mediaType !== "application/json") throw new Error(`${where}: expected a JSON body, got ${JSON.stringify(contentType)}`);
    let validate = compiled.get(ref);
    if (!validate) compiled.set(ref, (validate = ajv.compile({ $ref: ref })));
    const body = JSON.parse(text) as unknown;
    if (!validate(body)) {
      throw new Error(`${where}: the body does not match its schema in the OpenAPI document: ${ajv.errorsText(validate.errors)}\n  body: ${text.slice(0, 500)}`);
    }
  };
}
