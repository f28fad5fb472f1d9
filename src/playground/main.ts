/**
 * The playground at `/`: a browser page (Web APIs only), bundled by esbuild at install time
 * (src/adapters/node/bundle-playground.ts) and served by src/http/playground-page.ts.
 */
import { callApi, devToken, RequestFailed, storedToken, storeToken, streamRun } from "./api.ts";
import { DeployTab } from "./deploy-tab.ts";
import { CodeEditor } from "./editor.ts";
import { highlighting } from "./highlighting.ts";
import { LogsTab } from "./logs-tab.ts";
import { OutputPanes, type RunLimits } from "./output-panes.ts";
import type { LanguageInfo } from "../client/kiln-api.ts";

/** A language as `GET /v1/languages` lists it (the client's type, from the OpenAPI document). */
type Language = LanguageInfo;

/** The server's limit defaults and maxima, which the page's HTML carries. */
const SERVER_LIMITS = JSON.parse(document.getElementById("kiln-limits")!.textContent!) as { defaults: RunLimits; maxima: RunLimits };

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const languageSelect = byId<HTMLSelectElement>("language");
const inputField = byId<HTMLTextAreaElement>("input");
const stdinField = byId<HTMLTextAreaElement>("stdin");
const argsField = byId<HTMLTextAreaElement>("args");
const limitFields = { fuel: byId<HTMLInputElement>("limit-fuel"), memoryMb: byId<HTMLInputElement>("limit-memory"), timeoutMs: byId<HTMLInputElement>("limit-timeout") };
const runButton = byId<HTMLButtonElement>("run");
const panes = new OutputPanes();
const editor = new CodeEditor(byId("editor"), () => void run());
const logs = new LogsTab();
let languages: Language[] = [];
let running: AbortController | undefined;

for (const key of ["fuel", "memoryMb", "timeoutMs"] as const) {
  limitFields[key].value = String(SERVER_LIMITS.defaults[key]);
  limitFields[key].max = String(SERVER_LIMITS.maxima[key]);
}

/** The limits a run asks for, and what the server will apply: each lowered to its maximum. */
function limits(): RunLimits {
  const pick = (key: keyof RunLimits) => {
    const value = Number.parseInt(limitFields[key].value, 10);
    return Math.min(Number.isFinite(value) && value > 0 ? value : SERVER_LIMITS.defaults[key], SERVER_LIMITS.maxima[key]);
  };
  return { fuel: pick("fuel"), memoryMb: pick("memoryMb"), timeoutMs: pick("timeoutMs") };
}

function runFields(): { stdin?: string; args?: string[] } {
  const args = argsField.value.split("\n").filter((line) => line !== "");
  return { ...(stdinField.value ? { stdin: stdinField.value } : {}), ...(args.length ? { args } : {}) };
}

function input(): unknown {
  const text = inputField.value.trim();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestFailed(400, "invalid_json", `input: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** One streamed run or invocation, shown in the panes as it goes. */
async function execute(label: string, path: string, body: () => unknown): Promise<void> {
  running?.abort();
  const abort = (running = new AbortController());
  const applied = limits();
  editor.markError(null);
  panes.begin(label);
  runButton.disabled = true;
  try {
    const outcome = await streamRun(path, body(), { chunk: (stream, text) => panes.chunk(stream, text), log: (entry) => panes.log(entry) }, abort.signal);
    panes.show(outcome, applied);
    if (!outcome.ok && outcome.error?.line !== undefined) editor.markError(outcome.error.line);
  } catch (error) {
    if (abort.signal.aborted) return;
    if (error instanceof RequestFailed) panes.failure(error.code, error.message);
    else panes.failure("network_error", String(error));
  } finally {
    if (running === abort) runButton.disabled = false;
  }
}

function run(): Promise<void> {
  return execute("running…", "/v1/run", () => ({ language: languageSelect.value, code: editor.code, input: input(), ...runFields(), limits: limits() }));
}

function chooseLanguage(name: string): void {
  const language = languages.find((l) => l.name === name);
  if (!language) return;
  editor.setHighlighting(highlighting(language));
  editor.code = language.example ?? "";
  editor.markError(null);
  byId("language-version").textContent = language.version;
}

async function loadLanguages(): Promise<void> {
  ({ languages } = await callApi<{ languages: Language[] }>("GET", "/v1/languages"));
  languages = languages.filter((l) => l.example !== undefined);
  languageSelect.replaceChildren(...languages.map((l) => new Option(l.name, l.name)));
  if (languages[0]) chooseLanguage(languages[0].name);
}

function showTab(name: string): void {
  for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-tab]"))) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    byId(`panel-${tab.dataset.tab!}`).hidden = !selected;
  }
  byId("output").hidden = name === "logs";
}

/** Gets a token (the dev one on localhost, else the one this tab kept, else asks), then loads the page's data. */
async function start(): Promise<void> {
  const tokenForm = byId<HTMLFormElement>("token-form");
  const tokenState = byId<HTMLSpanElement>("token-state");
  const begin = async () => {
    try {
      await loadLanguages();
      tokenForm.hidden = true;
      tokenState.textContent = "";
      logs.follow();
    } catch (error) {
      tokenForm.hidden = false;
      tokenState.textContent = error instanceof RequestFailed ? `${error.code}: ${error.message}` : String(error);
    }
  };
  tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    storeToken(byId<HTMLInputElement>("token").value.trim());
    void begin();
  });
  if (!storedToken()) {
    const dev = await devToken();
    if (dev) storeToken(dev);
  }
  if (!storedToken()) {
    tokenForm.hidden = false;
    tokenState.textContent = "This server needs a tenant token (kept in this tab only).";
    return;
  }
  await begin();
}

languageSelect.addEventListener("change", () => chooseLanguage(languageSelect.value));
runButton.addEventListener("click", () => void run());
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !(event.target instanceof Node && byId("editor").contains(event.target))) {
    event.preventDefault();
    void run();
  }
});
for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-tab]"))) tab.addEventListener("click", () => showTab(tab.dataset.tab!));
new DeployTab(
  () => ({ language: languageSelect.value, code: editor.code, ...runFields(), limits: limits() }),
  (path, body) => execute("invoking…", path, () => body),
  input,
);
showTab("run");
void start();
