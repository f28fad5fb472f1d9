#!/usr/bin/env node
// `kiln`: Kiln's command line (src/adapters/cli/main.ts), a TypeScript program run through tsx (a dependency of Kiln).
import { register } from "tsx/esm/api";

register();
await import("../src/adapters/cli/main.ts");
