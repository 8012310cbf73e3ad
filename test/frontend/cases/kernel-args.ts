// Typed kernel arguments from BTF (test/frontend/btf-fixture.ts): fentry/fexit with named, typed
// parameters and the return value, narrow signed/unsigned/bool/enum arguments, a parameter after a
// struct passed by value, kprobe/kretprobe registers and a tp_btf tracepoint.
import { fentry, fexit, i32, kprobe, kretprobe, tpBtf, u64 } from "tsbpf";

export const readEntry = fentry("vfs_read", (ctx, file, buf, count: u64) => {
  return count > 4096 ? 1 : 0;
});

export const readExit = fexit("vfs_read", (ctx, file, buf, count, pos, ret) => {
  return ret < 0 ? 0 : ret;
});

/** int a, short b, unsigned char c, bool d, enum e, unsigned int f. */
export const narrow = fentry("demo_narrow", (ctx, a, b, c, d, e, f) => {
  return a + b + e + (d !== 0 ? i32(c) : 0) + i32(f);
});

/** The tuple type argument types the parameters for the editor; the compiler checks it. */
export const tuple = fentry<[file: u64, buf: u64]>("vfs_read", (ctx, file, buf) => {
  return buf - file;
});

/** `after` sits behind a 16-byte struct passed by value: slot 2. */
export const afterPair = fentry("demo_pair", (ctx, _p, after) => after);

export const probe = kprobe("demo_narrow", (ctx, a, b) => a * b);

export const probeRet = kretprobe("vfs_read", (ctx, ret) => ret);

export const sched = tpBtf("demo_switch", (ctx, preempt, prevState) => preempt * 10 + prevState);

export const license = "GPL";
