/*
 * The reference consumer of the consumer benchmark (bench/consumer.ts): loads a BPF object with
 * libbpf, attaches every program, and reads the ring buffer map EVENTS with ring_buffer__poll,
 * counting the records whose file name (at FILENAME_OFFSET, as examples/opensnoop.ts lays out its
 * OpenEvent) is PATH. Prints "ready" once attached; on stdin EOF prints
 * "<matching> <all> <first_ns> <last_ns>" (CLOCK_MONOTONIC, of the first and last matching record)
 * and exits.
 *
 * usage: libbpf-consumer OBJECT EVENTS PATH FILENAME_OFFSET
 */
#include <bpf/libbpf.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *path;
static size_t path_len;
static long offset;
static unsigned long long matching, all, first_ns, last_ns;

static unsigned long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (unsigned long long)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static int on_record(void *ctx, void *data, size_t len) {
  (void)ctx;
  const char *name = (const char *)data + offset;
  all++;
  if (len >= offset + path_len + 1 && memcmp(name, path, path_len + 1) == 0) {
    if (matching++ == 0) first_ns = now_ns();
    last_ns = now_ns();
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: libbpf-consumer OBJECT EVENTS PATH FILENAME_OFFSET\n");
    return 2;
  }
  path = argv[3];
  path_len = strlen(path);
  offset = strtol(argv[4], NULL, 10);
  struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
  if (!obj || bpf_object__load(obj)) {
    fprintf(stderr, "libbpf-consumer: cannot load %s\n", argv[1]);
    return 1;
  }
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    if (!bpf_program__attach(prog)) {
      fprintf(stderr, "libbpf-consumer: cannot attach %s\n", bpf_program__name(prog));
      return 1;
    }
  }
  struct bpf_map *map = bpf_object__find_map_by_name(obj, argv[2]);
  struct ring_buffer *rb = map ? ring_buffer__new(bpf_map__fd(map), on_record, NULL, NULL) : NULL;
  if (!rb) {
    fprintf(stderr, "libbpf-consumer: no ring buffer %s\n", argv[2]);
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  struct pollfd in = {.fd = 0, .events = POLLIN};
  for (;;) {
    if (ring_buffer__poll(rb, 50) < 0) break;
    if (poll(&in, 1, 0) > 0) {
      char buf[64];
      if (read(0, buf, sizeof buf) <= 0) break;
    }
  }
  ring_buffer__consume(rb);
  printf("%llu %llu %llu %llu\n", matching, all, first_ns, last_ns);
  ring_buffer__free(rb);
  bpf_object__close(obj);
  return 0;
}
