/*
 * Prints the CO-RE values libbpf computes for an object: opens it (optionally resolving against a
 * BTF file instead of the running kernel's, bpf_object_open_opts.btf_custom_path), loads it, and
 * forwards libbpf's debug log, whose "relo #N: patched insn #I (...) imm A -> B" and "substituting
 * insn #I w/ invalid insn" lines carry each relocation's result. The load itself may fail (a BTF
 * of another kernel, or a program this kernel refuses): relocation happens before it.
 * Build: cc -O1 -o core-values core-values.c -lbpf. Usage: core-values OBJ [BTF].
 */
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

static int print(enum libbpf_print_level level, const char *fmt, va_list ap) {
  (void)level;
  return vfprintf(stdout, fmt, ap);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OBJ [BTF]\n", argv[0]);
    return 2;
  }
  libbpf_set_print(print);
  LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argc > 2 ? argv[2] : NULL);
  struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
  if (!obj) {
    printf("OPEN_FAILED\n");
    return 1;
  }
  int err = bpf_object__load(obj);
  printf("LOAD_RESULT %d\n", err);
  bpf_object__close(obj);
  return 0;
}
