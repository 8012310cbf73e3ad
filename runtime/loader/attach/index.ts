/**
 * Attach kinds as records of hooks (one row per family of SEC() prefixes), so the object loader and
 * the CLI attach a program from its section name without a switch: each row says how to find a
 * load-time BTF target id (tracing kinds) and how to attach a loaded program.
 *
 * Section shapes follow libbpf: `tracepoint/<category>/<name>`, `raw_tp/<name>`, `tp_btf/<name>`,
 * `fentry/<func>`, `lsm/<hook>`, `iter/<target>`, `kprobe/<func>`, `ksyscall/<syscall>` (a kprobe on
 * its arch wrapper), `xdp` (the interface comes from the caller),
 * `perf_event` (sampling options from the caller), `uprobe/<binary>:<function>` and
 * `uretprobe/...` (or the target from the caller), `tcx/ingress`, `tcx/egress`, `tc`, `classifier`
 * (interface from the caller; bare `tc` / `classifier` default to ingress), `socket` (socket fd from
 * the caller), `cgroup/<hook>`, `cgroup_skb/<direction>`, `sockops` (cgroup v2 directory from the
 * caller, default the hierarchy's root), `sk_lookup`, `flow_dissector` (network namespace, default
 * this process's), `sk_skb/<kind>`, `sk_msg` (a sockmap / sockhash from the caller), `netfilter`
 * (family, hook and priority from the caller), `netkit/primary|peer` (a netkit device from the
 * caller), `sk_reuseport` (a socket of the group from the caller). `xdp/devmap` / `xdp/cpumap`
 * programs run from map entries, `lwt_*` programs from routes and `syscall` programs from
 * BPF_PROG_TEST_RUN: their hooks say so instead of attaching.
 */
import { LoaderError } from "../errors.ts";
import { kernelFuncId, kernelTracepointTypeId } from "../kernel-btf.ts";
import { attachIter, iterTargetId } from "./iter.ts";
import { attachKprobe } from "./kprobe.ts";
import { attachKsyscall } from "./ksyscall.ts";
import { attachKprobeMulti, attachUprobeMulti } from "./multi-probe.ts";
import { attachUsdt, type UsdtSpecTable } from "./usdt.ts";
import type { KernelLink } from "./link.ts";
import { attachPerfEvent, type PerfEventOptions } from "./perf-event.ts";
import type { AttachableProgram } from "./perf-link.ts";
import { attachRawTracepoint, attachTracing } from "./raw-tracepoint.ts";
import { attachTracepoint } from "./tracepoint.ts";
import { attachXdp, type XdpMode } from "./xdp.ts";
import { attachUprobe, parseUprobeTarget, type UprobeTarget } from "./uprobe.ts";
import { attachNetkit, attachTcx, parseTcDirection, type TcDirection } from "./tc.ts";
import { attachReuseport, attachSocketFilter } from "./socket.ts";
import { attachCgroup } from "./cgroup.ts";
import { attachNetfilter, attachNetns, attachSockMap, type NetfilterOptions } from "./net-links.ts";

/** Caller-supplied details some kinds need (interface for XDP, sampling for perf_event). */
export interface AttachOptions {
  /** XDP: interface name or index. */
  readonly iface?: string | number;
  readonly xdpMode?: XdpMode;
  readonly perf?: PerfEventOptions;
  /**
   * uprobe/uretprobe: the target, or parts of it that override the section's (`{ pid }` alone
   * restricts a section-named probe to one process).
   */
  readonly uprobe?: Partial<UprobeTarget>;
  /** tc: direction for sections that do not name one (`tc`, `classifier`); default ingress. */
  readonly tcDirection?: TcDirection;
  /** Socket filter: the socket's file descriptor. */
  readonly socketFd?: number;
  /**
   * Cgroup programs and lsm_cgroup: the cgroup v2 directory (default: the root of the cgroup v2
   * hierarchy).
   */
  readonly cgroup?: string;
  /** sk_lookup / flow_dissector: the network namespace file (default /proc/self/ns/net). */
  readonly netns?: string;
  /**
   * sk_skb / sk_msg: the sockmap or sockhash, as a map fd (or, for `LoadedObject.attach`, the name
   * of one of the object's maps).
   */
  readonly sockMap?: number | string;
  /** netfilter: family, hook and priority (default ipv4, local_in, 0). */
  readonly netfilter?: NetfilterOptions;
  /**
   * usdt: the object's USDT spec map, when its programs read probe arguments (`LoadedObject.attach`
   * passes it): each site's spec is written there and the site attached with its id as cookie.
   */
  readonly usdtSpecs?: UsdtSpecTable;
}

/** One attach kind. */
export interface AttachHook {
  /** Kind name (used in link labels and messages). */
  readonly kind: string;
  /** SEC() prefixes (text before the first `/`) this hook handles. */
  readonly prefixes: readonly string[];
  /** For BTF-targeted kinds: the vmlinux BTF id the program must be loaded with. */
  readonly btfTargetId?: (target: string) => number;
  /** Attaches a loaded program; `target` is the section text after the first `/`. */
  readonly attach: (prog: AttachableProgram, target: string, opts: AttachOptions) => KernelLink;
}

function uprobeTarget(
  kind: string,
  name: string,
  section: string,
  opts: AttachOptions,
): UprobeTarget {
  const merged = { ...(section ? parseUprobeTarget(section) : {}), ...opts.uprobe };
  if (!merged.path) {
    throw new LoaderError(
      `${kind} program "${name}" needs a target: SEC("${kind}/<binary>:<function>") or the ` +
        "attach option uprobe: { path, symbol }",
    );
  }
  return { ...merged, path: merged.path };
}

function needIface(kind: string, name: string, opts: AttachOptions): string | number {
  if (opts.iface === undefined)
    throw new LoaderError(`${kind} program "${name}" needs an interface to attach to`);
  return opts.iface;
}

function needTarget(kind: string, target: string): string {
  if (!target) throw new LoaderError(`${kind} section needs a target: "${kind}/<target>"`);
  return target;
}

/** A kind that runs without a BPF link: attaching it is a LoaderError saying what runs it. */
function notByLink(
  kind: string,
  prefixes: readonly string[],
  explain: (program: string) => string,
): AttachHook {
  return {
    kind,
    prefixes,
    attach: (p) => {
      throw new LoaderError(explain(p.name));
    },
  };
}

/** Every attach kind. */
export const ATTACH_HOOKS: readonly AttachHook[] = [
  {
    kind: "tracepoint",
    prefixes: ["tracepoint", "tp"],
    attach: (p, t) => attachTracepoint(p, needTarget("tracepoint", t)),
  },
  {
    kind: "raw_tracepoint",
    prefixes: ["raw_tracepoint", "raw_tp", "raw_tracepoint.w", "raw_tp.w"],
    attach: (p, t) => attachRawTracepoint(p, needTarget("raw_tp", t)),
  },
  {
    kind: "tp_btf",
    prefixes: ["tp_btf"],
    btfTargetId: (t) => kernelTracepointTypeId(needTarget("tp_btf", t)),
    attach: (p, t) => attachTracing(p, "tp_btf", t),
  },
  {
    kind: "fentry",
    prefixes: ["fentry", "fexit", "fmod_ret", "fentry.s", "fexit.s", "fmod_ret.s"],
    btfTargetId: (t) => kernelFuncId(needTarget("fentry", t)),
    attach: (p, t) => attachTracing(p, "fentry", t),
  },
  {
    // The target program and function were given at load time (ObjectLoadOptions.freplaceTargets):
    // the link replaces that function, as libbpf's bpf_program__attach_trace.
    kind: "freplace",
    prefixes: ["freplace"],
    attach: (p, t) => attachTracing(p, "freplace", needTarget("freplace", t)),
  },
  {
    kind: "lsm",
    prefixes: ["lsm", "lsm.s"],
    btfTargetId: (t) => kernelFuncId(`bpf_lsm_${needTarget("lsm", t)}`),
    attach: (p, t) => attachTracing(p, "lsm", t),
  },
  {
    kind: "lsm_cgroup",
    prefixes: ["lsm_cgroup"],
    btfTargetId: (t) => kernelFuncId(`bpf_lsm_${needTarget("lsm_cgroup", t)}`),
    // A cgroup link like the cgroup kinds (BPF_LSM_CGROUP is the program's expected attach type).
    attach: (p, _t, o) => attachCgroup(p, o.cgroup),
  },
  {
    kind: "iter",
    prefixes: ["iter", "iter.s"],
    btfTargetId: (t) => iterTargetId(needTarget("iter", t)),
    attach: (p, t) => attachIter(p, t),
  },
  {
    kind: "xdp",
    prefixes: ["xdp", "xdp.frags"],
    attach: (p, t, o) => {
      if (t === "devmap" || t === "cpumap")
        throw new LoaderError(
          `XDP program "${p.name}" (SEC("xdp/${t}")) runs from ${t} entries, not on an interface: ` +
            `store its fd in an entry's struct bpf_${t}_val (the value's bpf_prog.fd)`,
        );
      if (o.iface === undefined)
        throw new LoaderError(`XDP program "${p.name}" needs an interface to attach to`);
      return attachXdp(p, o.iface, o.xdpMode);
    },
  },
  {
    kind: "perf_event",
    prefixes: ["perf_event"],
    attach: (p, _t, o) => attachPerfEvent(p, o.perf),
  },
  {
    kind: "kprobe",
    prefixes: ["kprobe"],
    attach: (p, t) => attachKprobe(p, t, false),
  },
  {
    kind: "kretprobe",
    prefixes: ["kretprobe"],
    attach: (p, t) => attachKprobe(p, t, true),
  },
  {
    kind: "ksyscall",
    prefixes: ["ksyscall"],
    attach: (p, t) => attachKsyscall(p, t, false),
  },
  {
    kind: "kretsyscall",
    prefixes: ["kretsyscall"],
    attach: (p, t) => attachKsyscall(p, t, true),
  },
  {
    kind: "kprobe.multi",
    prefixes: ["kprobe.multi"],
    attach: (p, t) => attachKprobeMulti(p, t, false),
  },
  {
    kind: "kretprobe.multi",
    prefixes: ["kretprobe.multi"],
    attach: (p, t) => attachKprobeMulti(p, t, true),
  },
  {
    kind: "uprobe.multi",
    prefixes: ["uprobe.multi", "uprobe.multi.s"],
    attach: (p, t, o) => attachUprobeMulti(p, t, false, o.uprobe?.pid),
  },
  {
    kind: "uretprobe.multi",
    prefixes: ["uretprobe.multi", "uretprobe.multi.s"],
    attach: (p, t, o) => attachUprobeMulti(p, t, true, o.uprobe?.pid),
  },
  {
    kind: "kprobe.session",
    prefixes: ["kprobe.session"],
    attach: (p, t) => attachKprobeMulti(p, t, false),
  },
  {
    kind: "uprobe.session",
    prefixes: ["uprobe.session"],
    attach: (p, t, o) => attachUprobeMulti(p, t, false, o.uprobe?.pid),
  },
  {
    kind: "usdt",
    prefixes: ["usdt", "usdt.s"],
    attach: (p, t, o) => attachUsdt(p, needTarget("usdt", t), o.uprobe?.pid, o.usdtSpecs),
  },
  {
    kind: "uprobe",
    prefixes: ["uprobe", "uprobe.s"],
    attach: (p, t, o) => attachUprobe(p, uprobeTarget("uprobe", p.name, t, o), false),
  },
  {
    kind: "uretprobe",
    prefixes: ["uretprobe", "uretprobe.s"],
    attach: (p, t, o) => attachUprobe(p, uprobeTarget("uretprobe", p.name, t, o), true),
  },
  {
    kind: "tcx",
    prefixes: ["tcx", "tc", "classifier"],
    attach: (p, t, o) =>
      attachTcx(p, needIface("tc", p.name, o), parseTcDirection(t, o.tcDirection)),
  },
  {
    kind: "netkit",
    prefixes: ["netkit"],
    attach: (p, t, o) => {
      if (t !== "primary" && t !== "peer")
        throw new LoaderError(`netkit section must be "netkit/primary" or "netkit/peer"`);
      return attachNetkit(p, needIface("netkit", p.name, o), t);
    },
  },
  notByLink(
    "lwt",
    ["lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local"],
    (p) =>
      `light-weight tunnel program "${p}" is attached by a route, not by a BPF link: ` +
      "`ip route add <prefix> encap bpf in|out|xmit obj <file.o> section <section> dev <dev>` " +
      "(or seg6local action End.BPF); BPF_PROG_TEST_RUN runs it without a route",
  ),
  notByLink(
    "tc_action",
    ["action"],
    (p) =>
      `tc action program "${p}" is attached by a tc filter, not by a BPF link: ` +
      "`tc filter add dev <dev> ingress matchall action bpf obj <file.o> sec action`; " +
      "BPF_PROG_TEST_RUN runs it without one",
  ),
  notByLink(
    "lirc_mode2",
    ["lirc_mode2"],
    (p) =>
      `lirc_mode2 program "${p}" attaches to an infrared receiver device with BPF_PROG_ATTACH ` +
      "(target fd of /dev/lircN), which the loader does not do; ir-keytable -e does",
  ),
  notByLink(
    "syscall",
    ["syscall"],
    (p) =>
      `syscall program "${p}" is not attached: user space runs it with BPF_PROG_TEST_RUN ` +
      "(testRun with its argument struct as ctx, or `tsbpf run --vm --ctx-hex ...` in the VM)",
  ),
  {
    kind: "sk_reuseport",
    prefixes: ["sk_reuseport"],
    attach: (p, _t, o) => {
      if (o.socketFd === undefined)
        throw new LoaderError(
          `sk_reuseport program "${p.name}" needs a socket of its SO_REUSEPORT group (socketFd)`,
        );
      return attachReuseport(p, o.socketFd);
    },
  },
  {
    kind: "socket_filter",
    prefixes: ["socket"],
    attach: (p, _t, o) => {
      if (o.socketFd === undefined)
        throw new LoaderError(`socket filter "${p.name}" needs a socket to attach to (socketFd)`);
      return attachSocketFilter(p, o.socketFd);
    },
  },
  {
    kind: "cgroup",
    prefixes: ["cgroup", "cgroup_skb", "sockops"],
    attach: (p, _t, o) => attachCgroup(p, o.cgroup),
  },
  {
    kind: "netns",
    prefixes: ["sk_lookup", "flow_dissector"],
    attach: (p, _t, o) => attachNetns(p, o.netns),
  },
  {
    kind: "sockmap",
    prefixes: ["sk_skb", "sk_msg"],
    attach: (p, _t, o) => {
      if (typeof o.sockMap !== "number")
        throw new LoaderError(
          `program "${p.name}" attaches to a sockmap or sockhash: pass the map (attach option sockMap)`,
        );
      return attachSockMap(p, o.sockMap);
    },
  },
  {
    kind: "netfilter",
    prefixes: ["netfilter"],
    attach: (p, _t, o) => attachNetfilter(p, o.netfilter),
  },
];

/** The hook for a section name and the target part of it, or undefined for unattachable kinds. */
export function hookForSection(section: string): { hook: AttachHook; target: string } | undefined {
  const slash = section.indexOf("/");
  const prefix = slash < 0 ? section : section.slice(0, slash);
  const target = slash < 0 ? "" : section.slice(slash + 1);
  const hook = ATTACH_HOOKS.find((h) => h.prefixes.includes(prefix));
  return hook && { hook, target };
}

/** Attaches a program by its section name (`tracepoint/syscalls/sys_enter_getppid`, `xdp`, ...). */
export function attachBySection(
  prog: AttachableProgram,
  section: string,
  opts: AttachOptions = {},
): KernelLink {
  const found = hookForSection(section);
  if (!found) {
    throw new LoaderError(`don't know how to attach a program from section "${section}"`);
  }
  return found.hook.attach(prog, found.target, opts);
}

export { KernelLink } from "./link.ts";
export type { AttachableProgram } from "./perf-link.ts";
export { attachTracepoint } from "./tracepoint.ts";
export { attachIter, iterTargetId, readIterator } from "./iter.ts";
export { attachUsdt, parseUsdtTarget, type UsdtSpecTable } from "./usdt.ts";
export {
  attachKprobeMulti,
  attachUprobeMulti,
  globPattern,
  matchBinaryFunctions,
} from "./multi-probe.ts";
export { attachRawTracepoint, attachTracing } from "./raw-tracepoint.ts";
export { attachXdp, resolveInterface, type XdpMode } from "./xdp.ts";
export { attachPerfEvent, PERF_EVENTS, type PerfEventOptions } from "./perf-event.ts";
export { attachKprobe, kprobePmu } from "./kprobe.ts";
export { attachKsyscall, syscallWrapper } from "./ksyscall.ts";
export {
  attachUprobe,
  parseUprobeTarget,
  resolveBinaryPath,
  resolveUprobe,
  uprobePmu,
  type UprobeTarget,
} from "./uprobe.ts";
export {
  attachNetkit,
  attachTcx,
  parseTcDirection,
  type NetkitSide,
  type TcDirection,
} from "./tc.ts";
export { attachReuseport, attachSocketFilter, SocketFilterLink } from "./socket.ts";
export { attachCgroup, cgroupV2Mounts, defaultCgroup } from "./cgroup.ts";
export {
  attachNetfilter,
  attachNetns,
  attachSockMap,
  CURRENT_NETNS,
  NF_HOOK,
  NFPROTO,
  type NetfilterOptions,
} from "./net-links.ts";
