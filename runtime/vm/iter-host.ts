/**
 * Default objects for a VM iterator walk (runtime/vm/iter.ts), read from this host so that
 * `tsbpf run --vm` of an iterator prints something meaningful:
 * - `task`: every thread under /proc (`/proc/<pid>/task/<tid>`), in tid order as the kernel walks
 *   them: pid = tid, tgid, comm, real_parent.tgid (the `PPid:` of its status), and the `cred`'s
 *   uid / gid. A workqueue worker's /proc comm carries its work's name after the task's comm
 *   (kernel/workqueue.c wq_worker_comm: `kworker/0:1H-kblockd`); the task's own is the part before;
 * - `bpf_map`: the VM object's own maps: id, name (15 bytes, as BPF_OBJ_NAME_LEN keeps), map_type,
 *   key_size, value_size, max_entries, map_flags;
 * - `tcp`: the sockets of /proc/net/tcp and /proc/net/tcp6: family, local and remote address and
 *   port (ports: skc_num in host order, skc_dport in network order, as the kernel keeps them),
 *   state, and the socket's uid.
 * Fields other than these are zero. Another target has no default (undefined).
 */
import { readFileSync, readdirSync } from "node:fs";
import type { VmObject } from "./api.ts";
import type { IterElement } from "./iter.ts";

/** The text of a /proc file, or undefined when it vanished (a process that exited meanwhile). */
function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const numericDirs = (path: string): number[] => {
  try {
    return readdirSync(path)
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
};

/** `Key:\tvalue ...` of a /proc status file: the first number after `key`. */
function statusField(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s*(\\d+)`, "m").exec(status);
  return m ? Number(m[1]) : 0;
}

/** PF_WQ_WORKER (include/linux/sched.h): the task is a workqueue worker. */
const PF_WQ_WORKER = 0x20;

/**
 * The task's own comm from its /proc comm and stat: a workqueue worker (`kworker/<id>`, whose id
 * has no `-` or `+`) shows `-<desc>` or `+<desc>` after it, which task->comm does not hold.
 */
function taskComm(procComm: string, stat: string | undefined): string {
  const flags = Number(stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[6] ?? 0);
  if (flags & PF_WQ_WORKER && /^kworker\/[^R]/.test(procComm))
    return procComm.replace(/^(kworker\/[^-+]*)[-+].*$/, "$1");
  return procComm;
}

/** Every thread of this host, in tid order. */
export function hostTasks(proc = "/proc"): IterElement[] {
  const out: { tid: number; el: IterElement }[] = [];
  for (const pid of numericDirs(proc)) {
    for (const tid of numericDirs(`${proc}/${pid}/task`)) {
      const dir = `${proc}/${pid}/task/${tid}`;
      const status = read(`${dir}/status`);
      const comm = read(`${dir}/comm`);
      if (status === undefined || comm === undefined) continue;
      const uid = statusField(status, "Uid");
      const gid = statusField(status, "Gid");
      out.push({
        tid,
        el: {
          task: {
            pid: tid,
            tgid: pid,
            comm: Buffer.from(
              taskComm(comm.replace(/\n$/, ""), read(`${dir}/stat`)),
              "latin1",
            ).subarray(0, 15),
            real_parent: { tgid: statusField(status, "PPid") },
            cred: { "uid.val": uid, "gid.val": gid, "euid.val": uid, "egid.val": gid },
          },
        },
      });
    }
  }
  return out.sort((a, b) => a.tid - b.tid).map((x) => x.el);
}

/** The bytes of an address of /proc/net/tcp: 32-bit words printed as host-order hex. */
function addressBytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length / 2);
  const v = new DataView(b.buffer);
  for (let i = 0; i < hex.length / 8; i++)
    v.setUint32(i * 4, Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16), true);
  return b;
}

const htons = (n: number) => ((n & 0xff) << 8) | (n >> 8);

/** The TCP sockets of /proc/net/tcp and tcp6. */
export function hostTcpSockets(proc = "/proc"): IterElement[] {
  const out: IterElement[] = [];
  for (const [file, family] of [
    ["tcp", 2],
    ["tcp6", 10],
  ] as const) {
    const lines = (read(`${proc}/net/${file}`) ?? "").split("\n").slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      const [local, remote] = [f[1]!, f[2]!].map((a) => a.split(":"));
      const [la, lp] = [addressBytes(local![0]!), Number.parseInt(local![1]!, 16)];
      const [ra, rp] = [addressBytes(remote![0]!), Number.parseInt(remote![1]!, 16)];
      const addrs: IterElement =
        family === 2
          ? {
              skc_rcv_saddr: new DataView(la.buffer).getUint32(0, true),
              skc_daddr: new DataView(ra.buffer).getUint32(0, true),
            }
          : { "skc_v6_rcv_saddr.in6_u.u6_addr8": la, "skc_v6_daddr.in6_u.u6_addr8": ra };
      out.push({
        sk_common: {
          skc_family: family,
          skc_num: lp,
          skc_dport: htons(rp),
          skc_state: Number.parseInt(f[3]!, 16),
          ...addrs,
        },
        uid: Number(f[7]),
      });
    }
  }
  return out;
}

/** The VM object's maps, by id. */
export function vmMaps(vm: VmObject): IterElement[] {
  return vm
    .mapNames()
    .map((name) => {
      const spec = vm.map(name).map.spec;
      return {
        map: {
          id: vm.mapId(name),
          name: Buffer.from(name, "latin1").subarray(0, 15),
          map_type: spec.type,
          key_size: spec.keySize,
          value_size: spec.valueSize,
          max_entries: spec.maxEntries,
          map_flags: spec.flags,
        },
      };
    })
    .sort((a, b) => a.map.id - b.map.id);
}

/** This host's objects for iterator `target`, or undefined when there is no default for it. */
export function hostIterElements(target: string, vm: VmObject): IterElement[] | undefined {
  if (target === "task") return hostTasks();
  if (target === "tcp") return hostTcpSockets();
  if (target === "bpf_map") return vmMaps(vm);
  return undefined;
}
