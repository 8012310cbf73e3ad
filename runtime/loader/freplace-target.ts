/**
 * The target of a freplace program (BPF_PROG_TYPE_EXT, `SEC("freplace/<function>")`): a global
 * function of another loaded BPF program, given to the kernel at load time as that program's fd
 * (attach_prog_fd) and the function's FUNC id in the program's BTF (attach_btf_id), as libbpf's
 * bpf_program__set_attach_target resolves it.
 *
 * The BTF is the kernel's copy of the target program's (BPF_PROG_GET_INFO's btf_id, opened with
 * BPF_BTF_GET_FD_BY_ID and read back with BPF_OBJ_GET_INFO_BY_FD), so the id is the one the kernel
 * checks, whoever loaded the target. Consumes a program fd and a function name; produces the id or
 * a LoaderError naming what is missing (a program without BTF, a function it lacks, a static one).
 */
import { BtfKindNumber, LazyBtf } from "../../core/btf/index.ts";
import { LoaderError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { programInfo } from "./info.ts";
import { decodeAttr, defineLayout, encodeAttr } from "./sys/attr.ts";
import { bpf } from "./sys/bpf.ts";
import { BpfCmd } from "./sys/constants.ts";
import { GET_ID, INFO } from "./sys/layouts.ts";

/** struct bpf_btf_info (linux/bpf.h). */
const BTF_INFO = defineLayout([
  ["btf", "ptr"],
  ["btf_size", "u32"],
  ["id", "u32"],
  ["name", "ptr"],
  ["name_len", "u32"],
  ["kernel_btf", "u32"],
]);

/** BTF_FUNC_GLOBAL (linux/btf.h): the linkage a replaceable function has. */
const BTF_FUNC_GLOBAL = 1;

/** The BTF the kernel holds for the program behind `progFd`. */
export function programBtf(progFd: number): LazyBtf {
  const id = programInfo(progFd).btfId;
  if (!id)
    throw new LoaderError(
      `freplace target program (fd ${progFd}) has no BTF: only a function described in its program's BTF can be replaced`,
    );
  const fd = new OwnedFd(bpf(BpfCmd.BTF_GET_FD_BY_ID, GET_ID, { start_id: id }, `BTF ${id}`).ret);
  try {
    const query = (buf?: Uint8Array) => {
      const info = encodeAttr(BTF_INFO, buf ? { btf: buf, btf_size: buf.length } : {});
      bpf(
        BpfCmd.OBJ_GET_INFO_BY_FD,
        INFO,
        { bpf_fd: fd.fd, info_len: info.length, info },
        "BTF info",
      );
      return Number(decodeAttr(BTF_INFO, info).btf_size);
    };
    const bytes = new Uint8Array(query());
    query(bytes);
    return new LazyBtf(bytes, `BTF of program fd ${progFd}`);
  } finally {
    fd.close();
  }
}

/** The FUNC id of global function `func` in the BTF of the program behind `progFd`. */
export function freplaceTargetId(progFd: number, func: string): number {
  const btf = programBtf(progFd);
  const id = btf.find("func", func);
  if (id === undefined) {
    const funcs: string[] = [];
    for (let i = 1; i < btf.typeCount; i++)
      if (btf.kindOf(i) === BtfKindNumber.func) funcs.push(btf.name(i));
    throw new LoaderError(
      `freplace target program (fd ${progFd}) has no function "${func}" in its BTF (it has ${funcs.join(", ") || "none"})`,
    );
  }
  if (btf.type(id).vlen !== BTF_FUNC_GLOBAL)
    throw new LoaderError(
      `function "${func}" of the freplace target program (fd ${progFd}) is static: the kernel replaces only global functions`,
    );
  return id;
}
