/**
 * `npm run kiln -- <command>`: administration against the server's SQLite file (KILN_DB_PATH),
 * with the same keys as the server (KILN_JWT_KEY, or the dev key kept in the file). A tenant is named
 * by its name or its id.
 *
 *   tenant create <name> [--http-allow a.com,*.b.com] [--kv-max-keys N] [--scopes run,deploy,logs] [--runs-per-minute N] [--ttl-seconds N]
 *   tenant list
 *   tenant show <tenant>
 *   tenant update <tenant> [--http-allow …] [--kv-max-keys N] [--scopes …] [--runs-per-minute N]
 *   tenant delete <tenant>
 *   token <tenant> [--scopes …] [--ttl-seconds N]
 *
 * Prints JSON, as the matching API routes answer.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../../config.ts";
import { createPlatform } from "../../platform/create-platform.ts";
import { createTenant, deleteTenant, describeTenant, findTenant, issueTenantToken, updateTenant, type TenantChanges } from "../../platform/tenants.ts";
import type { Scope } from "../../platform/token-authority.ts";
import { SqlitePlatformStore } from "./sqlite-platform-store.ts";

const USAGE = `usage: npm run kiln -- tenant create <name> [--http-allow hosts] [--kv-max-keys N] [--scopes s,s] [--runs-per-minute N] [--ttl-seconds N]
       npm run kiln -- tenant list
       npm run kiln -- tenant show <tenant>
       npm run kiln -- tenant update <tenant> [--http-allow hosts] [--kv-max-keys N] [--scopes s,s] [--runs-per-minute N]
       npm run kiln -- tenant delete <tenant>
       npm run kiln -- token <tenant> [--scopes s,s] [--ttl-seconds N]
A tenant is named by its name or id.`;

function main(): Promise<void> | void {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        "http-allow": { type: "string" },
        "kv-max-keys": { type: "string" },
        scopes: { type: "string" },
        "runs-per-minute": { type: "string" },
        "ttl-seconds": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    console.error(`kiln: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const list = (v: string | undefined) => v?.split(",").map((s) => s.trim()).filter(Boolean);
  const changes: TenantChanges = {
    ...(values.scopes !== undefined && { scopes: list(values.scopes) as Scope[] }),
    ...(values["runs-per-minute"] !== undefined && { quotas: { runsPerMinute: Number(values["runs-per-minute"]) } }),
    grants: {
      ...(values["http-allow"] !== undefined && { http: { allow: list(values["http-allow"])! } }),
      ...(values["kv-max-keys"] !== undefined && { kv: { maxKeys: Number(values["kv-max-keys"]) } }),
    },
  };
  const ttlSeconds = values["ttl-seconds"] === undefined ? undefined : Number(values["ttl-seconds"]);
  return run(positionals, changes, ttlSeconds);
}

async function run(positionals: string[], changes: TenantChanges, ttlSeconds: number | undefined): Promise<void> {
  const [command, sub, name] = positionals;
  const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
  try {
    const config = loadConfig(process.env);
    using store = new SqlitePlatformStore(config.dbPath);
    const platform = await createPlatform({ config, store });
    if (command === "tenant" && sub === "create" && name) print(await createTenant(platform, config, { ...changes, name, ttlSeconds }));
    else if (command === "tenant" && sub === "list" && !name) print({ tenants: (await store.listTenants()).map(describeTenant) });
    else if (command === "tenant" && sub === "show" && name) print(describeTenant(await findTenant(platform, name)));
    else if (command === "tenant" && sub === "update" && name) print(describeTenant(await updateTenant(platform, await findTenant(platform, name), changes)));
    else if (command === "tenant" && sub === "delete" && name) {
      const tenant = await findTenant(platform, name);
      await deleteTenant(platform, tenant);
      print({ deleted: tenant.name, id: tenant.id });
    } else if (command === "token" && sub && !name) print(await issueTenantToken(platform, config, await findTenant(platform, sub), { scopes: changes.scopes, ttlSeconds }));
    else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } catch (e) {
    console.error(`kiln: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}

await main();
