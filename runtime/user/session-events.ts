/**
 * What a live session hands its caller: the events a running object sends to user space (records,
 * lost counts, printk lines, packets, iterator output) and the per-map record counts. Plain data
 * between live-session.ts and its readers (`tsbpf run` printing, --json, the API), plus the record
 * event that decodes its value on first read.
 */
import type { UserValue } from "./map-codec.ts";
import type { PrintkLine } from "./trace-pipe.ts";

/** One thing a running program sent to user space. */
export type SessionEvent =
  | {
      readonly kind: "record";
      /** Ring buffer or perf event array name. */
      readonly map: string;
      /** Perf buffers: the CPU it came from. */
      readonly cpu?: number;
      /** Decoded with the record type (raw bytes when there is none). */
      readonly value: UserValue;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: "printk"; readonly line: PrintkLine }
  | {
      /**
       * Records that never reached the caller: `kernel` — the kernel's count (perf buffers'
       * PERF_RECORD_LOST: the ring was full); `user` — tsbpf's own (its queue of records read but
       * not yet taken reached `maxQueuedBytes`); `probe` — the probe's own count of failed
       * `reserve()` calls (a full ring buffer, which the kernel does not count), read from its
       * `<buffer>Lost` map (probe-lost.ts).
       */
      readonly kind: "lost";
      readonly map: string;
      readonly count: bigint;
      readonly source: "kernel" | "user" | "probe";
    }
  | {
      /**
       * What an iterator program (SEC("iter/...")) printed in one walk over its objects: the
       * whole output of one BPF_ITER_CREATE file, read to the end.
       */
      readonly kind: "iter";
      readonly program: string;
      /** The iterator target (`task`, `bpf_map`, `tcp`). */
      readonly target: string;
      readonly text: string;
    }
  | {
      /** A frame a socket filter kept, read from its packet socket. */
      readonly kind: "packet";
      readonly iface: string;
      /** Length on the wire. */
      readonly length: number;
      /** `IPv4 TCP 127.0.0.1:41234 > 127.0.0.1:5555` (packet-socket.ts `describePacket`). */
      readonly summary: string;
    };

/** Records delivered and lost per event map, so far. */
export interface SessionCounts {
  readonly records: bigint;
  /** The kernel's count (perf buffers). */
  readonly kernelLost: bigint;
  /** tsbpf's own (queue full). */
  readonly userLost: bigint;
  /** The probe's count of failed reserves (its `<buffer>Lost` map; 0 without one). */
  readonly probeLost: bigint;
}

/**
 * A `record` event whose value is decoded when first read (then kept): a consumer that looks only
 * at some records, or only at their bytes, pays for no decoding.
 */
export class RecordEvent {
  readonly kind = "record" as const;
  #value: UserValue | undefined;

  constructor(
    readonly map: string,
    readonly bytes: Uint8Array,
    private readonly decode: (bytes: Uint8Array) => UserValue,
    readonly cpu?: number,
  ) {}

  get value(): UserValue {
    return (this.#value ??= this.decode(this.bytes));
  }

  /** A plain object (for spreading, `toEqual`, JSON): the decoded value included. */
  toJSON(): SessionEvent {
    const { kind, map, cpu, bytes, value } = this;
    return { kind, map, ...(cpu !== undefined ? { cpu } : {}), value, bytes };
  }
}
