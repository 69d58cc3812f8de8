#include <malloc.h>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // Memory (measured with five tables from one 2M-row day: make bench). glibc gives each thread
  // that allocates an arena of its own, and raises its mmap threshold to the size of any large
  // block freed, after which page buffers, batches and upload parts come from arenas that keep
  // freed memory: peak RSS grew ~20% over the live heap. Two arenas, and a fixed 128 KiB threshold
  // (glibc's own starting value) so that large buffers go back to the system when freed.
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  return aesync::cli::run(argc, argv);
}
