import type { Config } from "../config.ts";
import type { ComponentChecker } from "../engine/component/component-checker.ts";
import type { LanguageRegistry } from "../platform/language-registry.ts";
import type { Platform } from "../platform/platform.ts";
import type { Runs } from "../platform/runs.ts";

/** What every route module is built from. */
export interface AppContext {
  config: Config;
  languages: LanguageRegistry;
  platform: Platform;
  /** Every run goes through here: ad-hoc, deployed scripts, deploy-time checks. */
  runs: Runs;
  components?: ComponentChecker;
}
