// Worker threads do not inherit the TypeScript loader: register it here, then load the worker.
import { register } from "tsx/esm/api";

register();
await import("./run-worker.ts");
