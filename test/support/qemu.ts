/**
 * A second kernel for tests: boots Debian bookworm's Linux 6.1 (scripts/guest-kernel/fetch.ts)
 * under QEMU and runs shell scripts in it, as root, on the host's own files.
 *
 * Usage (see test/guest/ for the real thing):
 *
 *     if (guestReady("my guest test")) {          // root, qemu, busybox…; CI fails instead of skipping
 *       const guest = await bootGuest();           // ~10 s under software emulation
 *       const r = await guest.run(`cd ${ROOT} && node bin/tsbpf.js prog load /tmp/x.o`);
 *       // r.code, r.output (stdout and stderr together), r.ms
 *       await guest.close();
 *     }
 *     // or, for one script: const r = await runInGuest("uname -r");
 *
 * The guest sees the host's whole file system, read-only underneath and writable in the guest
 * only: the host's `/` is shared over 9p (virtio) and mounted as the lower layer of an overlayfs
 * whose upper layer is guest RAM. So node, bpftool and the checkout are at the same paths as on the
 * host, and a file the host writes is visible in the guest at once. `guest.box` is a host folder
 * shared read-write (at the same path inside): scripts and their outputs go through it, and a test
 * may put files there for the guest or read files the guest wrote there. A scratch virtio disk is
 * /dev/vda (8 MiB, for block I/O). `lo` is up; there is no other network. proc, sys, devtmpfs,
 * devpts, tracefs, debugfs and bpffs are mounted.
 *
 * How: a busybox initramfs (scripts/guest-kernel/initramfs.ts) loads the modules 9p/overlay/virtio
 * need (they are modules in Debian's kernel), builds that root and chroots into it to run an agent
 * script that polls the box for `job-<n>.sh`, runs it, and writes `job-<n>.out` and then
 * `job-<n>.rc`; a `halt` file ends it and the guest powers off. Jobs run one at a time, in order.
 * The console (serial) is kept for error messages: a failed boot or a timeout throws with its tail
 * (`TSBPF_GUEST_VERBOSE=1` keeps the kernel's boot messages in it).
 *
 * QEMU uses software emulation (TCG: slow, but every kernel feature works), or KVM with
 * `TSBPF_GUEST_KVM=1`. It is CPU-heavy: developers run guest tests under `flock /tmp/tsbpf-kernel.lock`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureGuestKernel, type GuestKernel } from "../../scripts/guest-kernel/fetch.ts";
import { writeInitramfs, type InitramfsEntry } from "../../scripts/guest-kernel/initramfs.ts";
import { capability, hasCommand } from "./env.ts";

const QEMU = "qemu-system-x86_64";
const BUSYBOX = ["/usr/bin/busybox", "/bin/busybox"];
const BIOS = "/usr/share/seabios/bios-256k.bin";

/** What a guest script did. */
export interface GuestResult {
  /** The script's exit status. */
  readonly code: number;
  /** Its stdout and stderr, interleaved as written. */
  readonly output: string;
  /** Wall time of the script in the guest, as the host saw it. */
  readonly ms: number;
}

/** A booted guest. */
export interface Guest {
  readonly kernel: GuestKernel;
  /** `uname -r` in the guest. */
  readonly release: string;
  /** Milliseconds from starting QEMU to the guest agent's first word. */
  readonly bootMs: number;
  /** The shared read-write folder (same path in the guest). */
  readonly box: string;
  /** Runs a shell script (`sh`, the host's) in the guest, as root, cwd `/`. */
  run(script: string, timeoutMs?: number): Promise<GuestResult>;
  /** The serial console so far (kernel messages, init's errors). */
  console(): string;
  /** Powers the guest off (kills QEMU if it does not stop) and removes the box. */
  close(): Promise<void>;
}

/** Options of `bootGuest`. */
export interface GuestOptions {
  readonly memoryMiB?: number;
  readonly cpus?: number;
  readonly bootTimeoutMs?: number;
}

/** The static busybox, or undefined (a dynamic one cannot run alone in an initramfs). */
function staticBusybox(): string | undefined {
  for (const path of BUSYBOX) {
    if (!existsSync(path)) continue;
    const b = readFileSync(path);
    if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) continue;
    const phoff = Number(b.readBigUInt64LE(32));
    const phentsize = b.readUInt16LE(54);
    const phnum = b.readUInt16LE(56);
    let interp = false;
    for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) interp = true;
    if (!interp) return path;
  }
  return undefined;
}

/**
 * True when guest tests can run here: root (the guest reads every host file, and loads BPF as
 * root), qemu-system-x86, SeaBIOS, a static busybox, llvm-objcopy and apt (or a cached kernel).
 * Under CI (TSBPF_REQUIRE_KERNEL=1) a missing one throws instead (env.ts `capability`).
 */
export function guestReady(what: string): boolean {
  return (
    capability("root", process.getuid?.() === 0, what) &&
    capability(`${QEMU} (qemu-system-x86)`, hasCommand(QEMU, ["--version"]), what) &&
    capability(`SeaBIOS (${BIOS})`, existsSync(BIOS), what) &&
    capability("a static busybox (busybox-static)", staticBusybox() !== undefined, what) &&
    capability(
      "llvm-objcopy (llvm-19)",
      hasCommand("llvm-objcopy-19", ["--version"]) || hasCommand("llvm-objcopy", ["--version"]),
      what,
    )
  );
}

/**
 * KVM only when asked for (`TSBPF_GUEST_KVM=1`) and /dev/kvm is there: an openable /dev/kvm is no
 * proof that it works (in this project's CI container it opens, and the guest then never starts).
 */
function kvmWanted(): boolean {
  if (process.env.TSBPF_GUEST_KVM !== "1") return false;
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The guest's /init: modules, the overlay root, mounts, then the agent in a chroot. */
function initScript(kernel: GuestKernel, box: string): string {
  const nine = "trans=virtio,version=9p2000.L,msize=512000";
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() { echo "tsbpf-guest: init failed: $*"; poweroff -f; }
mkdir -p /proc /sys /dev /lower /rw /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/${kernel.release}/modules.load); do
  insmod /lib/modules/${kernel.release}/$m || fail "insmod $m"
done
mount -t 9p -o ${nine},ro,cache=loose hostroot /lower || fail "9p mount of the host root"
mount -t tmpfs -o size=60% tmpfs /rw && mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  fail "overlay root"
mount -t 9p -o ${nine} box /newroot${box} || fail "9p mount of the box"
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts && mount -t devpts devpts /newroot/dev/pts
mount -t tracefs tracefs /newroot/sys/kernel/tracing
mount -t debugfs debugfs /newroot/sys/kernel/debug
mount -t bpf bpf /newroot/sys/fs/bpf
ip link set lo up
hostname tsbpf-guest
chroot /newroot /bin/sh ${box}/agent.sh
poweroff -f
`;
}

/** The agent, run by the host's /bin/sh in the chroot. */
function agentScript(box: string): string {
  return `export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
cd /
uname -r > ${box}/ready.tmp && mv ${box}/ready.tmp ${box}/ready
n=0
while :; do
  if [ -e ${box}/job-$n.sh ]; then
    (cd / && sh ${box}/job-$n.sh) > ${box}/job-$n.out 2>&1 < /dev/null
    echo $? > ${box}/job-$n.rc.tmp && mv ${box}/job-$n.rc.tmp ${box}/job-$n.rc
    n=$((n + 1))
  elif [ -e ${box}/halt ]; then
    exit 0
  else
    sleep 0.1
  fi
done
`;
}

function initramfs(kernel: GuestKernel, box: string): Uint8Array {
  const busybox = staticBusybox();
  if (!busybox) throw new Error("no static busybox (install busybox-static)");
  const mod = (p: string) => `lib/modules/${kernel.release}/${p}`;
  const entries: InitramfsEntry[] = [
    { path: "bin/busybox", mode: 0o755, data: readFileSync(busybox) },
    { path: "init", mode: 0o755, data: new TextEncoder().encode(initScript(kernel, box)) },
    {
      path: mod("modules.load"),
      mode: 0o644,
      data: readFileSync(join(kernel.moduleDir, "modules.load")),
    },
    ...kernel.modules.map((m) => ({
      path: mod(m),
      mode: 0o644,
      data: readFileSync(join(kernel.moduleDir, m)),
    })),
  ];
  return writeInitramfs(entries);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Boots the 6.1 guest (fetching the kernel on first use) and waits for its agent. */
export async function bootGuest(options: GuestOptions = {}): Promise<Guest> {
  const kernel = ensureGuestKernel();
  const work = mkdtempSync(join(tmpdir(), "tsbpf-guest-"));
  const box = join(work, "box");
  const initrd = join(work, "initrd.cpio");
  const disk = join(work, "scratch.img");
  mkdirSync(box);
  writeFileSync(join(box, "agent.sh"), agentScript(box));
  writeFileSync(initrd, initramfs(kernel, box));
  closeSync(openSync(disk, "w"));
  truncateSync(disk, 8 << 20);

  const args = [
    ...(kvmWanted() ? ["-accel", "kvm"] : []),
    ...["-accel", "tcg", "-cpu", "max"],
    ...["-m", String(options.memoryMiB ?? 1536), "-smp", String(options.cpus ?? 2)],
    ...["-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot"],
    ...["-kernel", kernel.vmlinuz, "-initrd", initrd],
    ...[
      "-append",
      `console=ttyS0 ${process.env.TSBPF_GUEST_VERBOSE === "1" ? "" : "quiet "}panic=-1`,
    ],
    ...[
      "-virtfs",
      "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
    ],
    ...["-virtfs", `local,path=${box},mount_tag=box,security_model=none,multidevs=remap`],
    ...["-drive", `file=${disk},format=raw,if=virtio`],
  ];
  const started = Date.now();
  const qemu: ChildProcess = spawn(QEMU, args, { stdio: ["ignore", "pipe", "pipe"] });
  let consoleText = "";
  let exited = false;
  qemu.stdout!.on("data", (d: Buffer) => (consoleText += d.toString()));
  qemu.stderr!.on("data", (d: Buffer) => (consoleText += d.toString()));
  const exit = new Promise<void>((r) => qemu.on("close", () => ((exited = true), r())));
  qemu.on("error", (e) => (consoleText += `\n${e.message}`));
  // A test process that dies (a killed vitest worker) takes its guest with it.
  const orphanGuard = () => qemu.kill("SIGKILL");
  process.once("exit", orphanGuard);

  const tail = () => consoleText.split("\n").slice(-40).join("\n");
  const kill = async () => {
    if (!exited) qemu.kill("SIGKILL");
    await exit;
    process.off("exit", orphanGuard);
    rmSync(work, { recursive: true, force: true });
  };

  const bootTimeout = options.bootTimeoutMs ?? 180_000;
  while (!existsSync(join(box, "ready"))) {
    if (exited || Date.now() - started > bootTimeout) {
      const why = exited ? "QEMU exited" : `no agent after ${bootTimeout / 1000} s`;
      await kill();
      throw new Error(`guest ${kernel.release} did not boot (${why}); console:\n${tail()}`);
    }
    await sleep(100);
  }
  const bootMs = Date.now() - started;
  const release = readFileSync(join(box, "ready"), "utf8").trim();

  let next = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const runOne = async (script: string, timeoutMs: number): Promise<GuestResult> => {
    const n = next++;
    const at = (s: string) => join(box, `job-${n}.${s}`);
    const t0 = Date.now();
    writeFileSync(at("sh.tmp"), script);
    renameSync(at("sh.tmp"), at("sh"));
    while (!existsSync(at("rc"))) {
      if (exited) throw new Error(`guest died running job ${n}; console:\n${tail()}`);
      if (Date.now() - t0 > timeoutMs) {
        await kill();
        throw new Error(
          `guest job ${n} ran over ${timeoutMs / 1000} s (guest stopped); output so far:\n` +
            (existsSync(at("out")) ? readFileSync(at("out"), "utf8") : ""),
        );
      }
      await sleep(100);
    }
    return {
      code: Number(readFileSync(at("rc"), "utf8").trim()),
      output: readFileSync(at("out"), "utf8"),
      ms: Date.now() - t0,
    };
  };

  return {
    kernel,
    release,
    bootMs,
    box,
    run(script, timeoutMs = 120_000) {
      const result = queue.then(() => runOne(script, timeoutMs));
      queue = result.catch(() => undefined);
      return result;
    },
    console: () => consoleText,
    async close() {
      await queue;
      if (!exited) {
        writeFileSync(join(box, "halt"), "");
        await Promise.race([exit, sleep(30_000)]);
      }
      await kill();
    },
  };
}

/** Boots a guest, runs one script in it, powers it off. */
export async function runInGuest(
  script: string,
  options: GuestOptions & { timeoutMs?: number } = {},
): Promise<GuestResult & { bootMs: number; release: string }> {
  const guest = await bootGuest(options);
  try {
    const r = await guest.run(script, options.timeoutMs);
    return { ...r, bootMs: guest.bootMs, release: guest.release };
  } finally {
    await guest.close();
  }
}
