/*
 * burst PATH COUNT: opens (and closes) PATH COUNT times as fast as it can, then prints the
 * elapsed nanoseconds. The producer of the consumer benchmark and of the burst test: every open
 * fires examples/opensnoop.ts once, so COUNT records with PATH as their file name are sent.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: burst PATH COUNT\n");
    return 2;
  }
  long count = strtol(argv[2], NULL, 10);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < count; i++) {
    int fd = open(argv[1], O_RDONLY);
    if (fd >= 0) close(fd);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return 0;
}
