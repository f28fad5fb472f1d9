// The blocking host's helper thread: register the TypeScript loader, then load the thread.
import { register } from "tsx/esm/api";

register();
await import("./host-thread.ts");
