// The IPv4 DIR-24-8 index on its own (src/detail/lpm4.h), against a
// brute-force model. Through the API the index is only a hint (a stale
// entry falls back to the per-length search), so API tests cannot see an
// index bug; these can.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "detail/lpm4.h"

using rtm::detail::Lpm4Index;

namespace {

struct Prefix {
  std::uint32_t addr;
  unsigned len;
  bool present = false;
};

bool covers(const Prefix& p, std::uint32_t a) {
  return p.len == 0 || ((a ^ p.addr) >> (32 - p.len)) == 0;
}

// The model's answer: the index (slot) of the longest present prefix, or -1.
int model(const std::vector<Prefix>& ps, std::uint32_t a) {
  int best = -1;
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (ps[i].present && covers(ps[i], a) &&
        (best < 0 || ps[i].len > ps[static_cast<std::size_t>(best)].len))
      best = static_cast<int>(i);
  return best;
}

Lpm4Index::Ref ref(int slot) {
  Lpm4Index::Ref r;
  if (slot >= 0) {
    r.none = false;
    r.slot = static_cast<std::uint32_t>(slot);
    r.gen = static_cast<std::uint32_t>(slot) & 63;
  }
  return r;
}

}  // namespace

TEST(Lpm4Index, AgreesWithABruteForceModel) {
  std::mt19937 rng(777);
  std::vector<Prefix> ps;
  for (int i = 0; i < 200; ++i) {
    const unsigned len = i == 0 ? 0 : rng() % 33;
    std::uint32_t a = rng() % 3 == 0 ? static_cast<std::uint32_t>(rng())
                                     : (10u << 24) | (rng() & 0x00F00FFFu);
    a = len == 0 ? 0 : a & (0xFFFFFFFFu << (32 - len));
    bool dup = false;
    for (const auto& p : ps) dup |= p.addr == a && p.len == len;
    if (!dup) ps.push_back({a, len});
  }
  Lpm4Index index;
  for (int step = 0; step < 2000; ++step) {
    const std::size_t i = rng() % ps.size();
    Prefix& p = ps[i];
    if (p.present) {
      p.present = false;
      // The covering prefix: the longest present one strictly shorter.
      int cover = -1;
      for (std::size_t j = 0; j < ps.size(); ++j)
        if (ps[j].present && ps[j].len < p.len && covers(ps[j], p.addr) &&
            (cover < 0 || ps[j].len > ps[static_cast<std::size_t>(cover)].len))
          cover = static_cast<int>(j);
      index.remove(p.addr, p.len, ref(static_cast<int>(i)), ref(cover),
                   cover < 0 ? 0 : ps[static_cast<std::size_t>(cover)].len);
    } else {
      p.present = true;
      index.insert(p.addr, p.len, ref(static_cast<int>(i)));
    }
    for (int k = 0; k < 30; ++k) {
      std::uint32_t a = static_cast<std::uint32_t>(rng());
      if (k % 2 == 0) {
        const Prefix& q = ps[rng() % ps.size()];
        a = q.addr ^ (static_cast<std::uint32_t>(rng()) & (q.len == 32 ? 0 : 0xFFFFFFFFu >> q.len));
      }
      bool usable = false;
      const Lpm4Index::Ref r = index.lookup(a, &usable);
      ASSERT_TRUE(usable);
      const int want = model(ps, a);
      ASSERT_EQ(r.none ? -1 : static_cast<int>(r.slot), want) << "step " << step << " addr " << a;
      if (!r.none) {
        ASSERT_EQ(r.gen, r.slot & 63);
      }
    }
  }
}

TEST(Lpm4Index, EmptyIndexAnswersNone) {
  Lpm4Index index;
  bool usable = false;
  EXPECT_TRUE(index.lookup(0x0A000001u, &usable).none);
  EXPECT_TRUE(usable);
}

TEST(Lpm4Index, ASlotItCannotNameDisablesItInsteadOfLying) {
  Lpm4Index index;
  Lpm4Index::Ref big;
  big.none = false;
  big.slot = Lpm4Index::kMaxSlot + 1;
  index.insert(0x0A000000u, 8, big);
  bool usable = true;
  index.lookup(0x0A000001u, &usable);
  EXPECT_FALSE(usable) << "readers must take the slow path";
}
