import { InputStream } from "./io.ts";

/**
 * `wasi:filesystem/*` for one instance: nothing but the read-only trees the runtime mounts (e.g.
 * Python's standard library), each a preopen. Files are bytes shared by every instance of the
 * process and never written: every mutation fails with `read-only`, and no path leaves its mount.
 */

/** A read-only tree: file paths relative to the mount ("lib/a.py") → bytes. Directories are implied. */
export type ReadOnlyTree = ReadonlyMap<string, Uint8Array>;

/** Where a tree appears in the guest (`/kiln`), in preopen order. */
export interface Mount {
  path: string;
  tree: ReadOnlyTree;
}

type ErrorCode = "access" | "no-entry" | "not-directory" | "is-directory" | "read-only" | "not-permitted" | "invalid" | "unsupported" | "bad-descriptor";

/** A fixed modification time for the read-only mounts (2024-01-01T00:00:00Z): they never change. */
const TIMESTAMP = { seconds: 1_704_067_200n, nanoseconds: 0 };

/** `wasi:filesystem/types.directory-entry-stream` over one directory's names. */
export class DirectoryEntryStream {
  #at = 0;
  constructor(readonly entries: { type: "directory" | "regular-file"; name: string }[] = []) {}
  readDirectoryEntry() {
    return this.entries[this.#at++];
  }
}

/** `wasi:filesystem/types.descriptor`: a directory or a file inside a mount. */
export class Descriptor {
  constructor(
    readonly tree: ReadOnlyTree,
    /** The path inside the tree: "" is the mount's root. */
    readonly path: string,
  ) {
    if (!tree) throw "bad-descriptor" satisfies ErrorCode;
  }

  #file(): Uint8Array {
    const bytes = this.tree.get(this.path);
    if (!bytes) throw "is-directory" satisfies ErrorCode;
    return bytes;
  }
  #isDirectory(path = this.path): boolean {
    return directoriesOf(this.tree).has(path);
  }
  /** Resolves `path` against this directory without ever leaving the mount. */
  #resolve(path: string): string {
    if (!this.#isDirectory()) throw "not-directory" satisfies ErrorCode;
    if (path.startsWith("/")) throw "not-permitted" satisfies ErrorCode;
    const parts = this.path === "" ? [] : this.path.split("/");
    for (const part of path.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (parts.length === 0) throw "not-permitted" satisfies ErrorCode;
        parts.pop();
      } else parts.push(part);
    }
    const resolved = parts.join("/");
    if (!this.tree.has(resolved) && !this.#isDirectory(resolved)) throw "no-entry" satisfies ErrorCode;
    return resolved;
  }
  #stat(path: string) {
    const file = this.tree.get(path);
    return {
      type: file ? "regular-file" : "directory",
      linkCount: 1n,
      size: BigInt(file?.length ?? 0),
      dataAccessTimestamp: TIMESTAMP,
      dataModificationTimestamp: TIMESTAMP,
      statusChangeTimestamp: TIMESTAMP,
    };
  }

  readViaStream(offset: bigint): InputStream {
    return new InputStream(this.#file().subarray(Number(offset)));
  }
  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const bytes = this.#file();
    const start = Math.min(Number(offset), bytes.length);
    const chunk = bytes.slice(start, start + Number(length > 1n << 24n ? 1n << 24n : length));
    return [chunk, start + chunk.length >= bytes.length];
  }
  getType() {
    return this.tree.has(this.path) ? "regular-file" : "directory";
  }
  getFlags() {
    return { read: true };
  }
  stat() {
    return this.#stat(this.path);
  }
  statAt(_pathFlags: unknown, path: string) {
    return this.#stat(this.#resolve(path));
  }
  openAt(_pathFlags: unknown, path: string, openFlags: { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean }, flags: { read?: boolean; write?: boolean; mutateDirectory?: boolean }): Descriptor {
    if (openFlags.create || openFlags.truncate || openFlags.exclusive || flags.write || flags.mutateDirectory) {
      // Creating or writing anything is refused; a missing path still reads as missing.
      if (!openFlags.create) this.#resolve(path);
      throw "read-only" satisfies ErrorCode;
    }
    const resolved = this.#resolve(path);
    if (openFlags.directory && !this.#isDirectory(resolved)) throw "not-directory" satisfies ErrorCode;
    return new Descriptor(this.tree, resolved);
  }
  readDirectory(): DirectoryEntryStream {
    if (!this.#isDirectory()) throw "not-directory" satisfies ErrorCode;
    const prefix = this.path === "" ? "" : `${this.path}/`;
    const names = new Map<string, "directory" | "regular-file">();
    for (const key of this.tree.keys()) {
      if (!key.startsWith(prefix)) continue;
      const [name, ...rest] = key.slice(prefix.length).split("/");
      names.set(name!, rest.length ? "directory" : "regular-file");
    }
    return new DirectoryEntryStream([...names].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, type]) => ({ type, name })));
  }
  isSameObject(other: Descriptor): boolean {
    return other.tree === this.tree && other.path === this.path;
  }
  metadataHash() {
    return hashOf(this.tree, this.path);
  }
  metadataHashAt(_pathFlags: unknown, path: string) {
    return hashOf(this.tree, this.#resolve(path));
  }
  advise(): void {}
  syncData(): void {}
  sync(): void {}
  readlinkAt(): never {
    throw "invalid" satisfies ErrorCode;
  }
  writeViaStream(): never {
    throw "read-only" satisfies ErrorCode;
  }
  appendViaStream(): never {
    throw "read-only" satisfies ErrorCode;
  }
  write(): never {
    throw "read-only" satisfies ErrorCode;
  }
  setSize(): never {
    throw "read-only" satisfies ErrorCode;
  }
  setTimes(): never {
    throw "read-only" satisfies ErrorCode;
  }
  setTimesAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
  createDirectoryAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
  linkAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
  symlinkAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
  removeDirectoryAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
  renameAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
  unlinkFileAt(): never {
    throw "read-only" satisfies ErrorCode;
  }
}

/** Per tree, computed once: its directories ("" and every parent of a file) and an id. */
const TREES = new WeakMap<ReadOnlyTree, { id: number; directories: Set<string> }>();
let trees = 0;
function infoOf(tree: ReadOnlyTree) {
  let info = TREES.get(tree);
  if (!info) {
    const directories = new Set([""]);
    for (const file of tree.keys()) {
      const parts = file.split("/");
      for (let i = 1; i < parts.length; i++) directories.add(parts.slice(0, i).join("/"));
    }
    info = { id: ++trees, directories };
    TREES.set(tree, info);
  }
  return info;
}
function directoriesOf(tree: ReadOnlyTree): Set<string> {
  return infoOf(tree).directories;
}

/** A stable 128-bit identity for a path in a tree (FNV-1a over the path, per tree). */
function hashOf(tree: ReadOnlyTree, path: string) {
  let h = 0xcbf29ce484222325n ^ BigInt(infoOf(tree).id);
  for (const byte of new TextEncoder().encode(path)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return { lower: h, upper: BigInt(path.length) };
}

export function filesystemImports(mounts: readonly Mount[] = []) {
  return {
    "wasi:filesystem/preopens": { getDirectories: (): [Descriptor, string][] => mounts.map((m) => [new Descriptor(m.tree, ""), m.path]) },
    "wasi:filesystem/types": { Descriptor, DirectoryEntryStream, filesystemErrorCode: () => undefined },
  };
}
