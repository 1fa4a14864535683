// fib/dir.cpp — the reserved regions behind DirIndex (fib/dir.h).
#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace rtm::fib::dir_detail {

// Address space for `bytes`, zero-filled, committed page by page on first
// write (MAP_NORESERVE; in 2 MiB steps where huge pages apply): tbl24 and
// tbl8 never move, so readers index them directly.
void* reserve_region(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Random lookups over 64 MiB of tbl24 miss the TLB on every call with
  // 4 KiB pages (a page walk per lookup); transparent huge pages (where
  // the system allows them) make tbl24 32 TLB entries. Advice only.
  madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

}  // namespace rtm::fib::dir_detail
