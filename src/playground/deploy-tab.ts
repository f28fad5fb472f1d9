import { callApi, RequestFailed } from "./api.ts";

/** What a deploy sends: the editor's language and code, and the run fields kept with the version. */
export type DeploySource = () => { language: string; code: string; stdin?: string; args?: string[]; limits: Readonly<Record<"fuel" | "memoryMb" | "timeoutMs", number>> };

interface Version {
  name: string;
  version: number;
  language: string;
  createdAt: string;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The Deploy tab: deploy the editor's code under a name, invoke the live version, list versions and roll back. */
export class DeployTab {
  readonly #name = byId<HTMLInputElement>("deploy-name");
  readonly #state = byId<HTMLSpanElement>("deploy-state");
  readonly #versions = byId<HTMLOListElement>("versions");

  constructor(
    source: DeploySource,
    invoke: (path: string, input: unknown) => Promise<void>,
    input: () => unknown,
  ) {
    byId("deploy").addEventListener("click", () =>
      this.#act(async (name) => {
        const version = await callApi<Version>("PUT", this.#path(name), source());
        await this.#list(name);
        this.#state.textContent = `deployed ${version.name} v${version.version}`;
      }),
    );
    byId("invoke").addEventListener("click", () => this.#act((name) => invoke(`${this.#path(name)}/invoke`, input())));
    byId("list-versions").addEventListener("click", () => this.#act((name) => this.#list(name)));
  }

  #path(name: string): string {
    return `/v1/scripts/${encodeURIComponent(name)}`;
  }

  async #act(action: (name: string) => Promise<void>): Promise<void> {
    const name = this.#name.value.trim();
    if (!name) {
      this.#state.textContent = "give the script a name";
      return;
    }
    try {
      await action(name);
    } catch (error) {
      this.#state.textContent = error instanceof RequestFailed ? `${error.code}: ${error.message}` : String(error);
    }
  }

  async #list(name: string): Promise<void> {
    const { active, versions } = await callApi<{ active?: number; versions: Version[] }>("GET", `${this.#path(name)}/versions`);
    this.#versions.replaceChildren(
      ...versions
        .slice()
        .reverse()
        .map((v) => {
          const item = document.createElement("li");
          item.textContent = `v${v.version} · ${v.language} · ${v.createdAt}${v.version === active ? " · live" : ""} `;
          if (v.version !== active) {
            const rollback = document.createElement("button");
            rollback.type = "button";
            rollback.textContent = "Roll back to this";
            rollback.addEventListener("click", () =>
              this.#act(async () => {
                await callApi("POST", `${this.#path(name)}/rollback`, { version: v.version });
                this.#state.textContent = `v${v.version} is live`;
                await this.#list(name);
              }),
            );
            item.append(rollback);
          }
          return item;
        }),
    );
  }
}
