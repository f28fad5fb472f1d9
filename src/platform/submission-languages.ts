import type { LanguageInfo } from "../engine/engine.ts";
import type { LanguageRegistry } from "./language-registry.ts";

/** A Kiln language as Judge0 lists it (`GET /judge0/languages/:id`). */
export interface SubmissionLanguage {
  id: number;
  name: string;
  is_archived: boolean;
  source_file: string;
  compile_cmd: string | null;
  run_cmd: string;
  /** Kiln's own name for it. */
  kiln: string;
}

/**
 * Judge0 CE's own ids for the languages Kiln shares with it (v1.13.1's list), with a display name and
 * the file the source is run as. A Kiln language missing here gets a Kiln-specific id from 1000 to
 * 9999, which no Judge0 language uses, made from its name (so it does not move when languages are
 * added).
 */
const JUDGE0_IDS: Record<string, { id: number; display: string; file: string; command: string }> = {
  javascript: { id: 63, display: "JavaScript", file: "script.js", command: "qjs script.js" },
  lua: { id: 64, display: "Lua", file: "script.lua", command: "lua script.lua" },
  python: { id: 71, display: "Python", file: "script.py", command: "python3 script.py" },
  ruby: { id: 72, display: "Ruby", file: "script.rb", command: "ruby script.rb" },
  typescript: { id: 74, display: "TypeScript", file: "script.ts", command: "qjs script.ts (transpiled by esbuild)" },
};

/** The first Kiln-specific language id. */
export const KILN_LANGUAGE_ID_BASE = 1000;

/** Kiln's served languages with their Judge0 ids, ordered by id. A caller's own component is not one (it needs an upload, not `source_code`). */
export function submissionLanguages(registry: LanguageRegistry): SubmissionLanguage[] {
  const taken = new Set<number>();
  return registry
    .list()
    .filter((info) => info.name !== "component")
    .map((info) => {
      const described = describe(info);
      while (taken.has(described.id)) described.id = described.id === 9999 ? KILN_LANGUAGE_ID_BASE : described.id + 1;
      taken.add(described.id);
      return described;
    })
    .sort((a, b) => a.id - b.id);
}

/** A Kiln-specific id from a language's name: FNV-1a, folded into 1000–9999. */
function kilnId(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return KILN_LANGUAGE_ID_BASE + (hash % 9000);
}

function describe(info: LanguageInfo): SubmissionLanguage {
  const known = JUDGE0_IDS[info.name];
  const display = known?.display ?? info.name;
  return {
    id: known?.id ?? kilnId(info.name),
    name: `${display} (${info.version})`,
    is_archived: false,
    source_file: known?.file ?? `script.${info.name}`,
    compile_cmd: null,
    run_cmd: known?.command ?? `${info.name} script`,
    kiln: info.name,
  };
}
