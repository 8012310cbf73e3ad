/**
 * readline: prints the lines typed into bash, by catching readline()'s return value (like bcc's
 * bashreadline).
 *
 * Shows: a uretprobe on a user-space function; `ctx.ret()` is the return register, here a user
 * pointer to the line, copied with probeReadUserStr.
 *
 * Run it: `tsbpf run examples/readline.ts` (root), then type commands in an interactive bash.
 */
import {
  type CharArray,
  RingBuf,
  getCurrentComm,
  getCurrentPidTgid,
  probeReadUserStr,
  u32,
  uretprobe,
} from "tsbpf";

/** One record per line read (C layout). */
interface LineEvent {
  pid: u32;
  comm: CharArray<16>;
  line: CharArray<80>;
}

export const events = new RingBuf<LineEvent>({ maxEntries: 256 * 1024 });

export const onReadline = uretprobe("/bin/bash:readline", (ctx) => {
  const line = ctx.ret();
  if (line === 0) return 0;
  const e = events.reserve();
  if (e === null) return 0;
  e.value.pid = u32(getCurrentPidTgid() >> 32);
  getCurrentComm(e.value.comm);
  probeReadUserStr(e.value.line, line);
  events.submit(e);
  return 0;
});

export const license = "GPL";
