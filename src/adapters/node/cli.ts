/**
 * `npm run kiln -- <command>`: administration against the server's SQLite file (KILN_DB_PATH),
 * with the same keys as the server (KILN_JWT_KEY, or the dev key kept in the file).
 *
 *   tenant create <name> [--http-allow a.com,*.b.com] [--kv-max-keys N] [--scopes run,deploy,logs] [--ttl-seconds N]
 *   token <tenant-name> [--scopes …] [--ttl-seconds N]
 *
 * Prints JSON: `{tenant, token}` or `{token}`.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../../config.ts";
import { RequestError } from "../../errors.ts";
import { createPlatform } from "../../platform/create-platform.ts";
import { createTenant, issueTenantToken, type TenantRequest } from "../../platform/tenants.ts";
import { SqlitePlatformStore } from "./sqlite-platform-store.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    "http-allow": { type: "string" },
    "kv-max-keys": { type: "string" },
    scopes: { type: "string" },
    "ttl-seconds": { type: "string" },
  },
});

const config = loadConfig(process.env);
using store = new SqlitePlatformStore(config.dbPath);
const request: TenantRequest = {
  ...(values.scopes ? { scopes: values.scopes.split(",") } : {}),
  ...(values["ttl-seconds"] ? { ttlSeconds: Number(values["ttl-seconds"]) } : {}),
  grants: {
    http: { allow: values["http-allow"] ? values["http-allow"].split(",") : [] },
    ...(values["kv-max-keys"] ? { kv: { maxKeys: Number(values["kv-max-keys"]) } } : {}),
  },
};

try {
  const platform = await createPlatform({ config, store });
  const [command, sub, name] = positionals;
  if (command === "tenant" && sub === "create" && name) {
    console.log(JSON.stringify(await createTenant(platform, config, { ...request, name }), null, 2));
  } else if (command === "token" && sub) {
    const tenant = await store.findTenantByName(sub);
    if (!tenant) throw new RequestError("not_found", `No tenant named '${sub}'`);
    console.log(JSON.stringify({ token: await issueTenantToken(platform, config, tenant.id, request) }, null, 2));
  } else {
    console.error("usage: npm run kiln -- tenant create <name> [--http-allow hosts] [--kv-max-keys N] [--scopes s,s] [--ttl-seconds N]\n       npm run kiln -- token <tenant-name> [--scopes s,s] [--ttl-seconds N]");
    process.exitCode = 2;
  }
} catch (e) {
  console.error(`kiln: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
