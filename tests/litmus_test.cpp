// The store-buffering litmus behind every hazard-pointer publish (issue 12,
// defect 5; the argument is in src/detail/reclaim.h).
//
// Reader (a lookup):       hazard = A; r1 = src
// Reclaimer (a retire):    src = B (exchange); r2 = hazard
// The outcome r1 == A && r2 != A ("both old") lets the reclaimer free A while
// the reader uses it. With plain release/acquire it is allowed by the C++
// model and happens on x86 (the reader's hazard store waits in its store
// buffer while its load of src runs). rtm's publication (detail::publish_hazard
// and detail::retire_fence, the code Guard and retire() use) puts a seq_cst
// fence on each side, which forbids it.
//
// The test first runs the unfenced pattern until it shows the outcome (so the
// harness is shown able to see it), then runs rtm's pattern for a fixed number
// of iterations and expects it never. Skipped with fewer than 2 CPUs or under
// a sanitizer (it measures the hardware, not the code).
#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "detail/reclaim.h"

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Two threads meeting at numbered points: the k-th arrival of both threads
// leaves once the counter reaches 2k. Spins, yielding now and then so an
// oversubscribed machine still makes progress.
class Barrier {
 public:
  void arrive_and_wait(std::uint64_t k) {
    counter_.fetch_add(1, std::memory_order_acq_rel);
    for (unsigned spins = 0; counter_.load(std::memory_order_acquire) < 2 * k; ++spins) {
      cpu_relax();
      if ((spins & 0xFFF) == 0xFFF) std::this_thread::yield();
    }
  }

 private:
  alignas(64) std::atomic<std::uint64_t> counter_{0};
};

struct Shared {
  alignas(64) std::atomic<int*> src{nullptr};
  alignas(64) std::atomic<int*> hazard{nullptr};
  alignas(64) std::atomic<int*> r1{nullptr};  // the reader's result, read after the end barrier
  Barrier barrier;
  int a = 0, b = 0;
};

// Runs up to `max_iters` rounds of the litmus (stopping at the first both-old
// outcome when stop_at_first); returns how many rounds showed it and sets
// *iters to the rounds run. Reader and Reclaimer are the two sides.
template <typename Reader, typename Reclaimer>
std::uint64_t run_litmus(std::uint64_t max_iters, bool stop_at_first, std::uint64_t* iters,
                         Reader reader, Reclaimer reclaimer) {
  Shared s;
  std::atomic<bool> stop{false};
  std::uint64_t both_old = 0;
  std::uint64_t ran = 0;
  std::thread t([&] {
    for (std::uint64_t i = 0;; ++i) {
      s.barrier.arrive_and_wait(2 * i + 1);  // start of round i
      if (stop.load(std::memory_order_relaxed)) return;
      s.r1.store(reader(s), std::memory_order_relaxed);
      s.barrier.arrive_and_wait(2 * i + 2);  // end of round i
    }
  });
  for (std::uint64_t i = 0;; ++i) {
    // The round's initial state, ordered before both sides by the barrier.
    s.src.store(&s.a, std::memory_order_relaxed);
    s.hazard.store(nullptr, std::memory_order_relaxed);
    const bool last = i == max_iters || (stop_at_first && both_old > 0);
    if (last) stop.store(true, std::memory_order_relaxed);
    s.barrier.arrive_and_wait(2 * i + 1);
    if (last) {
      ran = i;
      break;
    }
    int* r2 = reclaimer(s);
    s.barrier.arrive_and_wait(2 * i + 2);
    if (s.r1.load(std::memory_order_relaxed) == &s.a && r2 != &s.a) ++both_old;
  }
  t.join();
  *iters = ran;
  return both_old;
}

// The unfenced pattern: release store of the hazard, acquire reload; the
// reclaimer exchanges the source and loads the hazard.
int* plain_reader(Shared& s) {
  s.hazard.store(&s.a, std::memory_order_release);
  return s.src.load(std::memory_order_acquire);
}
int* plain_reclaimer(Shared& s) {
  s.src.exchange(&s.b, std::memory_order_acq_rel);
  return s.hazard.load(std::memory_order_acquire);
}

constexpr std::uint64_t kMaxUnfenced = 50'000'000;
constexpr std::uint64_t kFenced = 1'000'000;

TEST(Litmus, HazardPublishStoreLoad) {
  if (kSanitized) GTEST_SKIP() << "measures the hardware: not under a sanitizer";
  if (usable_cpus() < 2) GTEST_SKIP() << "needs 2 CPUs";

  std::uint64_t iters = 0;
  const std::uint64_t plain =
      run_litmus(kMaxUnfenced, true, &iters, plain_reader, plain_reclaimer);
  std::printf("litmus unfenced (release/acquire): both-old %llu in %llu iterations\n",
              static_cast<unsigned long long>(plain), static_cast<unsigned long long>(iters));
  EXPECT_GE(plain, 1u) << "the harness never saw the store-buffering outcome";

  // rtm's pattern: the very code Guard::protect and retire() run.
  const std::uint64_t fenced = run_litmus(
      kFenced, false, &iters,
      [](Shared& s) {
        return rtm::detail::publish_hazard(
            s.src, [&](int* p) { s.hazard.store(p, std::memory_order_release); });
      },
      [](Shared& s) {
        s.src.exchange(&s.b, std::memory_order_acq_rel);  // the unlink
        rtm::detail::retire_fence();                      // (R2)
        return s.hazard.load(std::memory_order_relaxed);  // as libcds' scan reads it
      });
  std::printf("litmus rtm publish (seq_cst fences): both-old %llu in %llu iterations\n",
              static_cast<unsigned long long>(fenced), static_cast<unsigned long long>(iters));
  EXPECT_EQ(fenced, 0u);
}

}  // namespace
