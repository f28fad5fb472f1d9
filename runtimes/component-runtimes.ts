import type { ComponentRuntimeDescriptor } from "./component-runtime.ts";
import { luaRuntime } from "./lua.ts";
import { pythonRuntime } from "./python.ts";
import { rubyRuntime } from "./ruby.ts";

/** Every language the component engine serves, in the order `GET /v1/languages` lists them. */
export const componentRuntimes: readonly ComponentRuntimeDescriptor[] = [luaRuntime, rubyRuntime, pythonRuntime];
