/**
 * Where the `kiln` command line sends its requests and with which token: a flag, else the environment
 * (`KILN_URL`, `KILN_TOKEN`, `KILN_ADMIN_TOKEN`), else the profile file
 * (`$XDG_CONFIG_HOME/kiln/config.json`, by default `~/.config/kiln/config.json`), else, against a server
 * on this machine, the dev tokens that a dev-mode server hands out on `GET /dev/token`.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createKilnClient, KilnError, type DevTokens, type KilnClient } from "../../client/kiln-client.ts";

/** What the profile file holds: a default profile at the top level, and named ones under `profiles`. */
export interface Profile {
  url?: string;
  token?: string;
  adminToken?: string;
}
interface ProfileFile extends Profile {
  profiles?: Record<string, Profile>;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

export interface ConnectionFlags {
  url?: string;
  token?: string;
  profile?: string;
}

export type Env = Record<string, string | undefined>;

/** The profile file's path. */
export function profilePath(env: Env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "kiln", "config.json");
}

/** The profile `name` (KILN_PROFILE, default the top level) from the profile file, `{}` when there is no file. */
export function readProfile(env: Env, name = env.KILN_PROFILE): Profile {
  const path = profilePath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      if (name) throw new UsageError(`No profile '${name}': there is no ${path}`);
      return {};
    }
    throw new UsageError(`Cannot read ${path}: ${(e as Error).message}`);
  }
  let file: ProfileFile;
  try {
    file = JSON.parse(text) as ProfileFile;
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof file !== "object" || file === null || Array.isArray(file)) throw new UsageError(`${path} must hold a JSON object`);
  if (!name) return file;
  const profile = file.profiles?.[name];
  if (!profile) throw new UsageError(`${path} has no profile '${name}' (under "profiles")`);
  return profile;
}

/** A mistake on the command line or in a file it names, found before any request is sent. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** A server, and clients for it with the tenant token and with the admin token, each resolved when first needed. */
export class Connection {
  readonly url: string;
  readonly #tenantToken: string | undefined;
  readonly #adminToken: string | undefined;
  #dev: Promise<DevTokens | undefined> | undefined;

  constructor(flags: ConnectionFlags, env: Env) {
    const profile = readProfile(env, flags.profile ?? env.KILN_PROFILE);
    this.url = (flags.url || env.KILN_URL || profile.url || DEFAULT_URL).replace(/\/+$/, "");
    try {
      new URL(this.url);
    } catch {
      throw new UsageError(`'${this.url}' is not a URL (KILN_URL, --url or the profile's "url")`);
    }
    // An empty variable counts as unset.
    this.#tenantToken = flags.token || env.KILN_TOKEN || profile.token;
    this.#adminToken = env.KILN_ADMIN_TOKEN || profile.adminToken;
  }

  /** Whether the server is on this machine, where a dev server hands out its tokens. */
  get local(): boolean {
    return LOOPBACK.test(new URL(this.url).hostname);
  }

  /** A client with the tenant token. */
  async tenant(): Promise<KilnClient> {
    return createKilnClient({ url: this.url, token: this.#tenantToken ?? (await this.#devTokens())?.tenantToken });
  }

  /** Whether a client with the admin token was asked for: a 401 then means the admin token. */
  usedAdmin = false;

  /** A client with the admin token. */
  async admin(): Promise<KilnClient> {
    this.usedAdmin = true;
    return createKilnClient({ url: this.url, token: this.#adminToken ?? (await this.#devTokens())?.adminToken });
  }

  /** A dev server's tokens, when the server is local and hands them out; otherwise undefined (requests then go without a token, and a 401 says how to get one). */
  #devTokens(): Promise<DevTokens | undefined> {
    if (!this.local) return Promise.resolve(undefined);
    this.#dev ??= createKilnClient({ url: this.url })
      .devTokens()
      .catch((e: unknown) => {
        // Not a dev server (production answers 404): go on without a token. No server at all: say so.
        if (e instanceof KilnError && e.status !== 0) return undefined;
        throw e;
      });
    return this.#dev;
  }
}
