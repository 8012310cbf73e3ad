/**
 * struct_ops maps on the live kernel (runtime/loader/struct-ops.ts): examples/tcp-reno.ts, a TCP
 * congestion control, registered by tsbpf's loader — from `.struct_ops` (the map update registers
 * it, deleting the element unregisters it) and from `.struct_ops.link` (a BPF link of type
 * struct_ops registers it, closing the link unregisters it). After registering, "tsbpf_reno" is in
 * /proc/sys/net/ipv4/tcp_available_congestion_control, a loopback connection that selects it with
 * setsockopt(TCP_CONGESTION) (test/kernel/fixtures/tcp-congestion.py) makes the kernel call its
 * init and cong_avoid programs (their counters in the `calls` map), and after unregistering the name
 * is gone and the same setsockopt is ENOENT.
 *
 * The kernel's view of the value tsbpf wrote (`bpftool struct_ops dump`) equals the one libbpf
 * writes for the same object (`bpftool struct_ops register`, which this bpftool — libbpf 1.1 — does
 * only for `.struct_ops`), and the congestion control libbpf registers from tsbpf's object works
 * the same. Bad input: a struct the kernel lacks, a struct that is not a struct_ops type, a member
 * holding a program that the kernel's struct lacks — each a LoaderError naming it; a name the
 * kernel already holds (EEXIST, on the update or on the link) and a value the subsystem refuses
 * (EINVAL: no undo_cwnd) — KernelErrors that say so. Sleepable
 * members (test/kernel/kinds/struct-ops-sleepable.ts) load with BPF_F_SLEEPABLE: the verifier
 * accepts a sleeping helper in them and refuses it in the same members loaded without the flag.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { compileSource } from "../../compiler/driver.ts";
import type { BtfType } from "../../core/btf/index.ts";
import { readBpfObject, type BpfObject } from "../../core/object/index.ts";
import {
  KernelError,
  LoaderError,
  loadObject,
  vmlinuxBtf,
  type LoadedObject,
} from "../../runtime/loader/index.ts";
import { buildFixture, u32, u64 } from "../support/fixture.ts";
import { hasCommand } from "../support/env.ts";
import { kernelReady } from "../support/kernel-setup.ts";
import { errorOf } from "../support/error-of.ts";

const run = kernelReady("kernel struct_ops tests");
const NAME = "tsbpf_reno";
const AVAILABLE = "/proc/sys/net/ipv4/tcp_available_congestion_control";
const HELPER = join(import.meta.dirname, "fixtures/tcp-congestion.py");
/** Members of examples/tcp-reno.ts's `calls` map. */
const INIT = 3;
const CONG_AVOID = 2;

const available = () => readFileSync(AVAILABLE, "utf8").trim().split(/\s+/);

/** A loopback connection using congestion control `name`, sending `bytes`. */
function connect(name: string, bytes: number): { congestion?: string; error?: string } {
  return JSON.parse(execFileSync("python3", [HELPER, name, String(bytes)], { encoding: "utf8" }));
}

/** The `data` member of the kernel's value of struct_ops map `name`, as bpftool dumps it. */
function dumpData(name: string): Record<string, unknown> {
  const out = JSON.parse(
    execFileSync("bpftool", ["struct_ops", "dump", "name", name, "-j"], { encoding: "utf8" }),
  ) as Record<string, { data: Record<string, unknown> }>[];
  // [{ bpf_map_info }, { bpf_struct_ops_tcp_congestion_ops: { common, data } }]
  return out.find((o) => "bpf_struct_ops_tcp_congestion_ops" in o)![
    "bpf_struct_ops_tcp_congestion_ops"
  ]!.data;
}

/** `dumpData` without the program ids (they differ between two loads). */
const withoutIds = (d: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(d).map(([k, v]) => [k, typeof v === "string" ? v.replace(/:\d+$/, "") : v]),
  );

const callsOf = (o: LoadedObject, member: number) => u64(o.map("calls").lookup(u32(member))!);

let plain: BpfObject;
let linked: BpfObject;
let plainBytes: Uint8Array;

beforeAll(async () => {
  plainBytes = await buildFixture("examples/tcp-reno.ts");
  plain = readBpfObject(plainBytes);
  // The same congestion control in `.struct_ops.link` (structOps's default).
  const src = readFileSync(join(import.meta.dirname, "../../examples/tcp-reno.ts"), "utf8");
  const out = await compileSource(
    src.replace("{ link: false }", "{ link: true }"),
    "examples/tcp-reno.ts",
    {
      check: true,
    },
  );
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  linked = readBpfObject(out.object!);
});

describe.skipIf(!run)("struct_ops on the live kernel: tcp-reno", () => {
  let loaded: LoadedObject | undefined;
  afterEach(() => {
    loaded?.close();
    loaded = undefined;
  });

  it("the objects hold the map where each variant puts it", () => {
    expect(plain.maps.find((m) => m.name === "reno")?.structOps?.link).toBe(false);
    expect(linked.maps.find((m) => m.name === "reno")?.structOps?.link).toBe(true);
  });

  for (const variant of ["plain", "link"] as const) {
    it(`${variant}: registering makes ${NAME} selectable and the kernel calls its programs; unregistering removes it`, () => {
      expect(available()).not.toContain(NAME);
      loaded = loadObject(variant === "plain" ? plain : linked);
      const reg = loaded.registerStructOps("reno");
      expect(reg.kind).toBe("struct_ops");
      expect(reg.target).toBe("tcp_congestion_ops reno");
      if (variant === "link") {
        const kernel = vmlinuxBtf();
        const types = kernel.enumValues(kernel.find("enum", "bpf_link_type")!);
        const structOps = types.find((t) => t.name === "BPF_LINK_TYPE_STRUCT_OPS")!.value;
        expect(BigInt(reg.info().type)).toBe(structOps);
      } else expect(reg.links).toEqual([]);
      expect(available()).toContain(NAME);
      expect(callsOf(loaded, INIT)).toBe(0n);

      expect(connect(NAME, 4 << 20)).toEqual({ congestion: NAME, received: 4 << 20 });
      expect(callsOf(loaded, INIT)).toBe(1n);
      expect(callsOf(loaded, CONG_AVOID)).toBeGreaterThan(0n);

      reg.detach();
      expect(available()).not.toContain(NAME);
      expect(connect(NAME, 1)).toEqual({ error: "ENOENT" });
    });
  }

  it("closing the object unregisters a registration left in place", () => {
    loaded = loadObject(plain);
    loaded.registerStructOps("reno");
    expect(available()).toContain(NAME);
    loaded.close();
    expect(available()).not.toContain(NAME);
  });

  it("a second registration of the same name is EEXIST, saying the kernel holds that name already", () => {
    for (const obj of [plain, linked]) {
      loaded = loadObject(obj);
      const other = loadObject(obj);
      try {
        loaded.registerStructOps("reno");
        const e = errorOf(() => other.registerStructOps("reno"));
        expect((e as KernelError).code).toBe("EEXIST");
        const command = obj === plain ? "BPF_MAP_UPDATE_ELEM" : "BPF_LINK_CREATE";
        expect(e.message).toContain(
          `${command} (registering struct_ops map "reno" (struct tcp_congestion_ops "tsbpf_reno")`,
        );
        expect(e.message).toContain(
          `failed: EEXIST: the kernel already has a struct tcp_congestion_ops registered under the name "tsbpf_reno"`,
        );
      } finally {
        other.close();
        loaded.close();
      }
      expect(available()).not.toContain(NAME);
    }
  });

  it("a value the subsystem refuses (no undo_cwnd, which tcp_congestion_ops requires) is EINVAL saying so", async () => {
    const src = readFileSync(join(import.meta.dirname, "../../examples/tcp-reno.ts"), "utf8");
    const without = src.replace(/ {4}undo_cwnd: \(_ctx, sk\) => \{[\s\S]*?\n {4}\},\n/, "");
    expect(without).not.toContain("undo_cwnd:");
    const out = await compileSource(without, "examples/tcp-reno.ts", { check: true });
    loaded = loadObject(out.object!);
    const e = errorOf(() => loaded!.registerStructOps("reno"));
    expect((e as KernelError).code).toBe("EINVAL");
    expect(e.message).toMatch(
      /^BPF_MAP_UPDATE_ELEM \(registering struct_ops map "reno" \(struct tcp_congestion_ops "tsbpf_reno"\)\) failed: EINVAL: the kernel's checks of struct tcp_congestion_ops refused the value: a member it requires is missing/,
    );
    expect(available()).not.toContain(NAME);
  });

  it("registering a map that is not a struct_ops map is a LoaderError listing the ones there are", () => {
    loaded = loadObject(plain);
    expect(() => loaded!.registerStructOps("calls")).toThrow(
      new LoaderError('no struct_ops map named "calls" (struct_ops maps: reno)'),
    );
  });
});

describe.skipIf(!run || !hasCommand("bpftool", ["version"]))(
  "struct_ops: libbpf (bpftool) and tsbpf's loader agree",
  () => {
    it("bpftool registers tsbpf's .struct_ops object; the kernel holds the value tsbpf's loader writes", () => {
      const loaded = loadObject(plain);
      let ours: Record<string, unknown>;
      try {
        loaded.registerStructOps("reno");
        ours = dumpData("reno");
      } finally {
        loaded.close();
      }
      expect(ours.name).toBe(NAME);
      expect(ours.init).toMatch(/^void \(struct sock \*\) reno_init\/prog_id:\d+$/);
      expect(ours.release).toBe("void (struct sock *) 0");

      const dir = mkdtempSync(join(tmpdir(), "tsbpf-reno-"));
      const file = join(dir, "tcp-reno.o");
      writeFileSync(file, plainBytes);
      try {
        // bpftool reports on stderr: "Registered tcp_congestion_ops reno id <map id>".
        const out = spawnSync("bpftool", ["struct_ops", "register", file], { encoding: "utf8" });
        try {
          expect(out.stderr).toMatch(/^Registered tcp_congestion_ops reno id \d+$/m);
          expect(out.status).toBe(0);
          expect(withoutIds(dumpData("reno"))).toEqual(withoutIds(ours));
          expect(connect(NAME, 1 << 20)).toEqual({ congestion: NAME, received: 1 << 20 });
        } finally {
          // (when registering failed there is nothing to unregister, and its error is the one to see)
          spawnSync("bpftool", ["struct_ops", "unregister", "name", "reno"]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(available()).not.toContain(NAME);
    });
  },
);

/** `obj` with its struct_ops map's ops struct renamed to `struct` (what the loader looks up). */
function withStruct(obj: BpfObject, struct: string): BpfObject {
  return {
    ...obj,
    maps: obj.maps.map((m) => (m.structOps ? { ...m, structOps: { ...m.structOps, struct } } : m)),
  };
}

/** `obj` with member `from` of its ops struct's BTF renamed `to`. */
function withMemberRenamed(obj: BpfObject, from: string, to: string): BpfObject {
  const types = obj.btf!.types.map((t: BtfType) =>
    t.kind === "struct" && t.name === "tcp_congestion_ops"
      ? { ...t, members: t.members.map((m) => (m.name === from ? { ...m, name: to } : m)) }
      : t,
  );
  return { ...obj, btf: { ...obj.btf!, types } };
}

describe.skipIf(!run)("struct_ops load errors", () => {
  it("an ops struct the kernel lacks names the struct, the map kind and the release", () => {
    expect(() => loadObject(withStruct(plain, "tsbpf_no_such_ops"))).toThrow(
      new LoaderError(
        `map "reno" (struct tsbpf_no_such_ops): a BPF_MAP_TYPE_STRUCT_OPS map of struct tsbpf_no_such_ops on Linux ${release()}: this kernel does not have it (no struct tsbpf_no_such_ops in /sys/kernel/btf/vmlinux)`,
      ),
    );
  });

  it("a kernel struct that is not a struct_ops type says so", () => {
    expect(() => loadObject(withStruct(plain, "file_operations"))).toThrow(
      /no struct bpf_struct_ops_file_operations, so it is not a struct_ops type here/,
    );
  });

  it("a member with a program that the kernel's struct lacks is named; a zero one is skipped as libbpf does", () => {
    expect(() => loadObject(withMemberRenamed(plain, "init", "init_v2"))).toThrow(
      new LoaderError(
        `map "reno" (struct tcp_congestion_ops): member init_v2 is not in this kernel's struct tcp_congestion_ops (Linux ${release()})`,
      ),
    );
    const o = loadObject(withMemberRenamed(plain, "release", "release_v2"));
    o.close();
  });
});

describe.skipIf(!run)("sleepable struct_ops (test/kernel/kinds/struct-ops-sleepable.ts)", () => {
  const FIXTURE = "test/kernel/kinds/struct-ops-sleepable.ts";
  const source = () => readFileSync(join(import.meta.dirname, "../..", FIXTURE), "utf8");
  const compile = async (src: string) => {
    const out = await compileSource(src, FIXTURE, { check: true });
    expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return out.object!;
  };

  it("loads in struct_ops.s/<member> with BPF_F_SLEEPABLE: the verifier accepts copyFromUser", async () => {
    const o = loadObject(await compile(source()));
    try {
      expect([...o.programs.values()].map((p) => p.section)).toEqual([
        "struct_ops.s/ssthresh",
        "struct_ops.s/undo_cwnd",
        "struct_ops.s/cong_avoid",
      ]);
    } finally {
      o.close();
    }
  });

  it("the same members not sleepable: the verifier refuses the sleeping helper", async () => {
    const bytes = await compile(source().replace("{ sleepable: true }", "{ sleepable: false }"));
    expect(() => loadObject(bytes)).toThrow(/helper call might sleep in a non-sleepable prog/);
  });
});
