import { callerComponents, quickjsLanguages } from "../languages/index.ts";
import { ComponentEngine, type PreparedComponentRuntime } from "./engine/component/component-engine.ts";
import type { LanguageInfo } from "./engine/engine.ts";
import { QuickJSEngine } from "./engine/quickjs/quickjs-engine.ts";

/**
 * What a server that runs every engine in worker threads serves, from the one list (languages/index.ts):
 * QuickJS's languages, the component runtimes it prepared, and callers' components where it can prepare them.
 */
export function servedLanguages(prepared: readonly PreparedComponentRuntime[], options: { callerComponents: boolean }): LanguageInfo[] {
  const callers = options.callerComponents && callerComponents ? [ComponentEngine.callerComponentsInfo(callerComponents)] : [];
  return [...QuickJSEngine.languagesOf(quickjsLanguages), ...ComponentEngine.languagesOf(prepared), ...callers];
}
