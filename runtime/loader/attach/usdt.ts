/**
 * SEC("usdt/<binary>:<provider>:<name>") programs: a uprobe at every site of the USDT probe
 * (usdt-notes.ts reads them from the binary's `.note.stapsdt`), each with the probe's semaphore as
 * the uprobe's reference counter, so the kernel counts the semaphore up while attached and the
 * program's guarded probe code runs (uprobe PMU format `ref_ctr_offset`, config:32-63; Linux 4.20).
 *
 * A program that reads its probe's arguments (`usdtArg`, compiler/frontend/lower-usdt.ts) carries
 * the spec map `tsbpf_usdt_specs`: each site's argument string becomes a spec record there (core/usdt
 * `encodeUsdtSpec`; sites with the same string share one), and the site is attached with the spec's
 * id as its bpf cookie, which the program looks the spec up by, as libbpf's usdt.c does. Without
 * cookies (the loader's `usdtCookies: false`, for kernels lacking bpf_get_attach_cookie) the site's
 * address goes into the IP map with the spec id instead, and the program looks it up by `regs->ip`.
 *
 * Consumes a loaded kprobe-type program, the section target and, when the object has one, its spec
 * map; produces one link holding every site's perf event and BPF link.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { LoaderError } from "../errors.ts";
import { FdScope, type OwnedFd } from "../fd.ts";
import { perfEventOpen } from "../sys/perf.ts";
import { readUsdtProbes, type UsdtProbe } from "../usdt-notes.ts";
import {
  usdtIpEntry,
  usdtSpecId,
  UsdtSpecError,
  type UsdtSpecTable,
} from "../../../core/usdt/index.ts";
import { KernelLink } from "./link.ts";
import { linkPerfEvent, type AttachableProgram } from "./perf-link.ts";
import { resolveBinaryPath, uprobePmu } from "./uprobe.ts";

export type { UsdtSpecTable } from "../../../core/usdt/index.ts";

const REF_CTR_FORMAT = "/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset";

/** Splits `<binary>:<provider>:<name>` (the binary may itself hold colons). */
export function parseUsdtTarget(text: string): { path: string; provider: string; name: string } {
  const parts = text.split(":");
  if (parts.length < 3 || parts.some((p) => p === ""))
    throw new LoaderError(
      `usdt target must be "<binary>:<provider>:<name>" (e.g. "/usr/bin/python3:python:function__entry"), got "${text}"`,
    );
  const name = parts.pop()!;
  const provider = parts.pop()!;
  return { path: parts.join(":"), provider, name };
}

/** The spec id of a site's arguments (core/usdt `usdtSpecId`), as a loader error when it has none. */
function specIdOf(specs: UsdtSpecTable, site: UsdtProbe, what: string): number {
  if (site.argError !== undefined) throw new LoaderError(`${what}: ${site.argError}`);
  try {
    return usdtSpecId(specs, site.argText, site.args);
  } catch (e) {
    if (e instanceof UsdtSpecError) throw new LoaderError(`${what}: ${e.message}`);
    throw e;
  }
}

/** ELF e_type ET_EXEC: an executable loaded at its link-time addresses. */
const ET_EXEC = 2;

/**
 * The address the CPU is at when the site's uprobe fires (what the program reads as `regs->ip` and
 * looks up in the IP map): the note's address in an executable (ET_EXEC); in a position-independent
 * object (ET_DYN), the address where process `pid` maps the site's file offset, as libbpf's usdt.c
 * computes it. Without a pid a PIE binary or shared object has no one address (libbpf refuses too).
 */
function siteAddress(path: string, site: UsdtProbe, what: string, pid?: number): number {
  const fd = openSync(path, "r");
  const header = new Uint8Array(18);
  try {
    readSync(fd, header, 0, 18, 0);
  } finally {
    closeSync(fd);
  }
  if ((header[16]! | (header[17]! << 8)) === ET_EXEC) return site.address;
  if (pid === undefined)
    throw new LoaderError(
      `${what}: without bpf cookies (usdtCookies: false) a site is found by its address, and ` +
        `${path} is position-independent (ET_DYN): give the process id to attach to`,
    );
  for (const line of readFileSync(`/proc/${pid}/maps`, "utf8").split("\n")) {
    // start-end perms offset dev inode path
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ \d+\s+(.*)$/.exec(line);
    if (!m || m[4] !== path) continue;
    const [start, end, offset] = [m[1], m[2], m[3]].map((h) => parseInt(h!, 16)) as number[];
    if (site.offset >= offset! && site.offset < offset! + (end! - start!))
      return start! + (site.offset - offset!);
  }
  throw new LoaderError(`${what}: process ${pid} does not map ${path} at the site's offset`);
}

/**
 * Attaches a usdt program at every site of its probe (optionally in one process); `specs` is the
 * object's spec map when the program reads arguments.
 */
export function attachUsdt(
  prog: AttachableProgram,
  target: string,
  pid?: number,
  specs?: UsdtSpecTable,
): KernelLink {
  const t = parseUsdtTarget(target);
  const path = resolveBinaryPath(t.path);
  const all = readUsdtProbes(path);
  const sites = all.filter((p) => p.provider === t.provider && p.name === t.name);
  if (sites.length === 0) {
    const known = [...new Set(all.map((p) => `${p.provider}:${p.name}`))];
    throw new LoaderError(
      `${path} has no USDT probe ${t.provider}:${t.name}` +
        (known.length
          ? ` (it has ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", ..." : ""})`
          : " (it has no .note.stapsdt notes)"),
    );
  }
  const pmu = uprobePmu();
  if (!pmu)
    throw new LoaderError(
      "usdt probes need uprobes, which this kernel lacks (CONFIG_UPROBE_EVENTS)",
    );
  const refBit = existsSync(REF_CTR_FORMAT)
    ? Number(/config:(\d+)/.exec(readFileSync(REF_CTR_FORMAT, "utf8"))?.[1] ?? 32)
    : undefined;
  return FdScope.run((scope) => {
    const links: OwnedFd[] = [];
    const perfs: OwnedFd[] = [];
    for (const s of sites) {
      const what = `attaching usdt program "${prog.name}" to ${t.provider}:${t.name} at ${path}+0x${s.offset.toString(16)}`;
      if (s.semaphoreOffset !== 0 && refBit === undefined)
        throw new LoaderError(
          `${what}: the probe has a semaphore, and this kernel's uprobes have no reference counters (Linux 4.20)`,
        );
      const perf = scope.track(
        perfEventOpen(
          {
            type: pmu.type,
            config: s.semaphoreOffset !== 0 ? BigInt(s.semaphoreOffset) << BigInt(refBit!) : 0n,
            config1: new TextEncoder().encode(`${path}\0`),
            config2: s.offset,
            samplePeriod: 1,
            pid: pid ?? -1,
            cpu: pid === undefined ? 0 : -1,
          },
          what,
        ),
      );
      perfs.push(perf);
      const id = specs ? specIdOf(specs, s, what) : 0;
      if (specs?.ipMap)
        specs.ipMap.update(...usdtIpEntry(BigInt(siteAddress(path, s, what, pid)), id));
      const cookie = specs && !specs.ipMap ? BigInt(id) : 0n;
      const link = linkPerfEvent(prog, perf, what, cookie);
      if (link) links.push(scope.track(link));
    }
    return new KernelLink(
      "usdt",
      `${path}:${t.provider}:${t.name} (${sites.length} site${sites.length === 1 ? "" : "s"})`,
      links,
      perfs,
    );
  });
}
