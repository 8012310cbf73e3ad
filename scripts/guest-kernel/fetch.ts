/**
 * The second kernel the tests boot under QEMU: Debian bookworm's `linux-image-amd64` (Linux 6.1,
 * built with BTF), fetched once with apt and cached per user.
 *
 * Consumes apt (the package's name and version from `apt-cache`, the `.deb` from `apt-get
 * download`: no network beyond Debian's package mirrors, and nothing installed on the host);
 * produces a cache entry `<cache>/kernels/<package>_<version>/` holding
 * - `<package>.deb` — the package itself, kept so the parts below can be re-extracted offline;
 * - `vmlinuz`, `config` — the kernel image and its build configuration;
 * - `lib/modules/<release>/…` — only the modules the guest loads (GUEST_MODULES and their
 *   dependencies) plus `modules.load`, their insmod order;
 * - `vmlinux.btf` — the kernel's BTF, as the guest serves it at /sys/kernel/btf/vmlinux, taken from
 *   the vmlinuz without booting (vmlinuz-btf.ts).
 *
 * The cache is `$TSBPF_KERNEL_CACHE`, else `$XDG_CACHE_HOME/tsbpf/kernels` (default ~/.cache) when
 * that home belongs to the current user, else `<tmpdir>/tsbpf-<uid>/kernels`. An entry is built in a
 * temporary folder and renamed into place, so concurrent callers never see half of one. Without
 * apt (or offline) the newest complete cached entry is used.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { moduleLoadOrder } from "./modules.ts";
import { btfFromBzImage } from "./vmlinuz-btf.ts";

/** The Debian metapackage whose dependency is the kernel we boot (bookworm: 6.1). */
export const GUEST_KERNEL_METAPACKAGE = "linux-image-amd64";

/**
 * Modules the guest loads at boot (built as modules in Debian's kernel): virtio-pci for QEMU's
 * devices, 9p over virtio for the host's files, overlayfs to make them writable in the guest only,
 * virtio-blk for a scratch disk (block I/O to trace).
 */
export const GUEST_MODULES: readonly string[] = [
  "virtio_pci",
  "9pnet_virtio",
  "9p",
  "overlay",
  "virtio_blk",
];

/** One cached kernel, ready to boot. */
export interface GuestKernel {
  /** The Debian package, e.g. `linux-image-6.1.0-57-amd64`, and its version. */
  readonly package: string;
  readonly version: string;
  /** `uname -r` of the guest, e.g. `6.1.0-57-amd64`. */
  readonly release: string;
  readonly dir: string;
  readonly vmlinuz: string;
  readonly config: string;
  /** `lib/modules/<release>` in the cache entry. */
  readonly moduleDir: string;
  /** `.ko` paths relative to `moduleDir`, in insmod order. */
  readonly modules: readonly string[];
  readonly btf: string;
}

/** Where kernels are cached (see the header). */
export function kernelCacheDir(): string {
  if (process.env.TSBPF_KERNEL_CACHE) return process.env.TSBPF_KERNEL_CACHE;
  const uid = process.getuid?.() ?? 0;
  const home = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const base = ownedBy(dirname(home), uid) ? home : join(tmpdir(), `tsbpf-${uid}`);
  return join(base, "tsbpf", "kernels");
}

function ownedBy(dir: string, uid: number): boolean {
  try {
    return statSync(dir).uid === uid;
  } catch {
    return false;
  }
}

const STAMP = "entry.json";

/** The package and version apt would install for the metapackage, or undefined without apt. */
function candidate(): { pkg: string; version: string } | undefined {
  const ask = () => {
    try {
      const deps = execFileSync("apt-cache", ["depends", GUEST_KERNEL_METAPACKAGE], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      const pkg = /Depends: (linux-image-\S+)/.exec(deps)?.[1];
      if (!pkg) return undefined;
      const show = execFileSync("apt-cache", ["show", "--no-all-versions", pkg], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      const version = /^Version: (\S+)$/m.exec(show)?.[1];
      return version ? { pkg, version } : undefined;
    } catch {
      return undefined;
    }
  };
  const first = ask();
  if (first || process.getuid?.() !== 0) return first;
  // A fresh container has empty package lists: read them once.
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return ask();
}

function readEntry(dir: string): GuestKernel | undefined {
  try {
    const entry = JSON.parse(readFileSync(join(dir, STAMP), "utf8")) as GuestKernel;
    const had = readFileSync(join(dir, "modules.wanted"), "utf8");
    const whole = [entry.vmlinuz, entry.btf].every((f) => existsSync(f));
    return entry.dir === dir && whole && had === JSON.stringify(GUEST_MODULES) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** The newest complete cache entry, for offline use. */
function newestCached(cache: string): GuestKernel | undefined {
  if (!existsSync(cache)) return undefined;
  const entries = readdirSync(cache)
    .filter((n) => !n.startsWith("."))
    .map((n) => readEntry(join(cache, n)))
    .filter((e): e is GuestKernel => e !== undefined);
  return entries.sort((a, b) => (a.version < b.version ? 1 : -1))[0];
}

/**
 * The cached guest kernel, fetching and extracting it first when needed. Throws with the reason
 * (no apt and nothing cached, a failed download, a kernel without BTF).
 */
export function ensureGuestKernel(log: (line: string) => void = () => {}): GuestKernel {
  const cache = kernelCacheDir();
  const want = candidate();
  if (!want) {
    const cached = newestCached(cache);
    if (cached) return cached;
    throw new Error(
      `cannot resolve ${GUEST_KERNEL_METAPACKAGE} with apt-cache, and ${cache} holds no kernel`,
    );
  }
  const dir = join(cache, `${want.pkg}_${want.version}`);
  const ready = readEntry(dir);
  if (ready) return ready;

  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, ".tmp-"));
  try {
    const deb = join(tmp, `${want.pkg}.deb`);
    const kept = join(dir, `${want.pkg}.deb`);
    if (existsSync(kept)) copyFileSync(kept, deb);
    else {
      log(`fetching ${want.pkg} ${want.version} with apt-get download`);
      execFileSync("apt-get", ["download", "-qq", `${want.pkg}=${want.version}`], {
        cwd: tmp,
        stdio: ["ignore", "ignore", "pipe"],
      });
      const got = readdirSync(tmp).find((n) => n.endsWith(".deb"));
      if (!got) throw new Error(`apt-get download ${want.pkg} produced no .deb`);
      renameSync(join(tmp, got), deb);
    }
    log(`extracting ${want.pkg}`);
    const full = join(tmp, "full");
    execFileSync("dpkg-deb", ["-x", deb, full], { stdio: ["ignore", "ignore", "pipe"] });
    const boot = readdirSync(join(full, "boot"));
    const vmlinuzName = boot.find((n) => n.startsWith("vmlinuz-"));
    if (!vmlinuzName) throw new Error(`${want.pkg} has no /boot/vmlinuz-*`);
    const release = vmlinuzName.slice("vmlinuz-".length);
    const fullModules = join(full, "lib/modules", release);
    const modules = moduleLoadOrder(fullModules, GUEST_MODULES);

    const staged = join(tmp, "entry");
    const moduleDir = join(staged, "lib/modules", release);
    for (const ko of modules) {
      mkdirSync(dirname(join(moduleDir, ko)), { recursive: true });
      copyFileSync(join(fullModules, ko), join(moduleDir, ko));
    }
    copyFileSync(join(fullModules, "modules.builtin"), join(moduleDir, "modules.builtin"));
    writeFileSync(join(moduleDir, "modules.load"), modules.join("\n") + "\n");
    copyFileSync(join(full, "boot", vmlinuzName), join(staged, "vmlinuz"));
    copyFileSync(join(full, "boot", `config-${release}`), join(staged, "config"));
    renameSync(deb, join(staged, `${want.pkg}.deb`));
    log(`extracting the BTF of ${release} from its vmlinuz`);
    writeFileSync(
      join(staged, "vmlinux.btf"),
      btfFromBzImage(readFileSync(join(staged, "vmlinuz"))),
    );
    const entry: GuestKernel = {
      package: want.pkg,
      version: want.version,
      release,
      dir,
      vmlinuz: join(dir, "vmlinuz"),
      config: join(dir, "config"),
      moduleDir: join(dir, "lib/modules", release),
      modules,
      btf: join(dir, "vmlinux.btf"),
    };
    writeFileSync(join(staged, "modules.wanted"), JSON.stringify(GUEST_MODULES));
    writeFileSync(join(staged, STAMP), JSON.stringify(entry, null, 2) + "\n");
    // Replace a stale entry (other module list) whole; a concurrent caller that won the race
    // leaves an equal entry, which we keep.
    if (existsSync(dir) && !readEntry(dir)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staged, dir);
    } catch (e) {
      if (!readEntry(dir)) throw e;
    }
    return readEntry(dir) ?? entry;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
