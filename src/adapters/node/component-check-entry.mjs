// The component checker's thread: register the TypeScript loader, then load the thread.
import { register } from "tsx/esm/api";

register();
await import("./component-check-thread.ts");
