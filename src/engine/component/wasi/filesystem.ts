/** `wasi:filesystem/*` for one instance: no preopens, so no descriptor can ever be reached. */

/** `wasi:filesystem/types.descriptor`: never handed out; every operation is refused. */
export class Descriptor {
  constructor() {
    throw "access";
  }
}

/** `wasi:filesystem/types.directory-entry-stream`: never handed out. */
export class DirectoryEntryStream {}

export function filesystemImports() {
  return {
    "wasi:filesystem/preopens": { getDirectories: (): [Descriptor, string][] => [] },
    "wasi:filesystem/types": { Descriptor, DirectoryEntryStream, filesystemErrorCode: () => undefined },
  };
}
