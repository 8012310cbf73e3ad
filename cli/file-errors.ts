/**
 * Names the file in errors about it. The readers and loaders (core/elf, core/btf, core/object, the
 * VM, the live loader) report what is wrong with the bytes they were given, not where the bytes came
 * from; a command that read those bytes from a file wraps its work in `namingFile` so every such
 * error the user sees starts with the file's name ("fw.o: not an ELF file ...").
 *
 * Only errors about the input are prefixed (by class name, so no layer imports another); command
 * line mistakes and internal errors pass through unchanged.
 */

/** Error classes whose message describes the object or program being read, loaded or run. */
const ABOUT_THE_INPUT = new Set([
  "ElfError",
  "BtfError",
  "ObjectError",
  "BytecodeError",
  "LoadError",
  "VmError",
  "VmApiError",
  "MapError",
  "CodecError",
  "LoaderError",
  "KernelError",
  "VerifierError",
  "BtfLoadError",
]);

function prefix(file: string, e: unknown): unknown {
  if (e instanceof Error && ABOUT_THE_INPUT.has(e.name) && !e.message.startsWith(`${file}: `)) {
    e.message = `${file}: ${e.message}`;
  }
  return e;
}

/** Runs `work`, prefixing `file: ` to the message of every input error it throws (sync or async). */
export function namingFile<T>(file: string, work: () => T): T {
  try {
    const result = work();
    if (result instanceof Promise) return result.catch((e) => Promise.reject(prefix(file, e))) as T;
    return result;
  } catch (e) {
    throw prefix(file, e);
  }
}
