/**
 * Ownership of kernel file descriptors (maps, programs, links, BTF, perf events).
 *
 * `OwnedFd` closes its descriptor exactly once: on `close()`, on `[Symbol.dispose]` (so `using`
 * works where the runtime supports it), or, as a last resort, when garbage-collected while still
 * open. `FdScope` tracks everything a multi-step operation creates so that a failure part-way
 * releases all of it, and success hands the descriptors to the caller (`keep()`).
 *
 * Invariant: once closed, `fd` is -1 and further closes are no-ops, so a descriptor number reused by
 * the process is never closed by mistake.
 */
import { LoaderError } from "./errors.ts";
import { rawClose } from "./sys/libc.ts";

const leaked = new FinalizationRegistry<number>((fd) => {
  rawClose(fd);
});

/** A file descriptor this process owns. */
export class OwnedFd {
  #fd: number;

  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new Error(`internal: invalid fd ${fd}`);
    this.#fd = fd;
    leaked.register(this, fd, this);
  }

  /** The descriptor number; throws if already closed. */
  get fd(): number {
    if (this.#fd < 0)
      throw new LoaderError("use of a closed BPF object (its fd was already closed)");
    return this.#fd;
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.#fd < 0;
  }

  /** Closes the descriptor (idempotent). */
  close(): void {
    if (this.#fd < 0) return;
    leaked.unregister(this);
    rawClose(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Anything with a `close()`: fds, maps, programs, links. */
export interface Closable {
  close(): void;
}

/** Collects resources created by a multi-step operation; closes all of them on failure. */
export class FdScope {
  #items: Closable[] = [];

  /** Registers a resource and returns it. */
  track<T extends Closable>(item: T): T {
    this.#items.push(item);
    return item;
  }

  /** Closes everything tracked, newest first; errors while closing are ignored. */
  closeAll(): void {
    for (const item of this.#items.splice(0).reverse()) {
      try {
        item.close();
      } catch {
        // closing is best effort: the original failure is what the caller reports
      }
    }
  }

  /** Stops tracking (the caller now owns everything). */
  keep(): void {
    this.#items = [];
  }

  /** Runs `fn` with a fresh scope: on throw, closes what it tracked and rethrows. */
  static run<T>(fn: (scope: FdScope) => T): T {
    const scope = new FdScope();
    try {
      const out = fn(scope);
      scope.keep();
      return out;
    } catch (err) {
      scope.closeAll();
      throw err;
    }
  }
}
