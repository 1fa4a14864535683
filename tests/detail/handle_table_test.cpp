// tests/detail/handle_table_test.cpp — the handle table (src/detail/handle_table.h)
// on its own: allocate / lookup / free, the encoding, stale handles refused
// after free and slot reuse, wrong kinds, forged values, tag and index-base
// separation of tables, the top of the index range,
// for_each_handle, and allocation, lookup and free racing from several
// threads.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "detail/handle_table.h"
#include "detail/test_core.h"

using rtm::HandleKind;
using rtm::detail::Guard;
using rtm::detail::handle_instance_tag;
using rtm::detail::handle_kind;
using rtm::detail::HandleTable;
using rtm::detail::Object;
using rtm::detail::ThreadScope;
using rtm_test::make_object;
using rtm_test::ObjectPtr;

namespace {

constexpr std::uint32_t generation_of(std::uint64_t h) {
  return static_cast<std::uint32_t>(h >> 32) & 0xFFFFF;
}
constexpr std::uint32_t index_of(std::uint64_t h) { return static_cast<std::uint32_t>(h); }

class HandleTableTest : public ::testing::Test {
 protected:
  ObjectPtr object(HandleKind kind = HandleKind::route) { return make_object(core_.get(), kind); }
  Object* find(const HandleTable& t, std::uint64_t h, HandleKind kind = HandleKind::none) {
    Guard g;
    return t.lookup(h, kind, g);
  }

  ThreadScope scope_;
  rtm_test::TestCore core_;
};

TEST_F(HandleTableTest, AllocateEncodesTagKindAndIndexAndStoresTheHandle) {
  HandleTable t(0x21, 0);
  ObjectPtr o = object(HandleKind::dest);
  const std::uint64_t h = t.allocate(HandleKind::dest, o.get());
  ASSERT_NE(h, 0u);
  EXPECT_EQ(o->handle, h) << "allocate writes the object's handle";
  EXPECT_EQ(handle_kind(h), HandleKind::dest);
  EXPECT_EQ(handle_instance_tag(h), 0x21);
  EXPECT_EQ(generation_of(h), 0u);
  EXPECT_EQ(index_of(h), 0u);
  EXPECT_EQ(t.slot_of(h), 0u);
  EXPECT_EQ(t.end_index(), 1u);
  EXPECT_EQ(t.instance_tag(), 0x21);
  EXPECT_EQ(find(t, h, HandleKind::dest), o.get());
  EXPECT_EQ(find(t, h, HandleKind::none), o.get()) << "none accepts any kind";
  t.free(h);
}

TEST_F(HandleTableTest, HandlesOfOneTableAreDistinctAndEachFindsItsObject) {
  HandleTable t(0x22, 0);
  std::vector<ObjectPtr> objs;
  std::vector<std::uint64_t> hs;
  // More than the first segment (1024 slots): the second one is allocated.
  for (int i = 0; i < 1500; ++i) {
    objs.push_back(object());
    hs.push_back(t.allocate(HandleKind::route, objs.back().get()));
    ASSERT_NE(hs.back(), 0u);
  }
  EXPECT_EQ(std::set<std::uint64_t>(hs.begin(), hs.end()).size(), hs.size());
  EXPECT_EQ(t.end_index(), 1500u);
  for (std::size_t i = 0; i < hs.size(); ++i) ASSERT_EQ(find(t, hs[i]), objs[i].get()) << i;
  for (std::uint64_t h : hs) t.free(h);
}

TEST_F(HandleTableTest, WrongKindIsRefused) {
  HandleTable t(0x23, 0);
  ObjectPtr o = object(HandleKind::route);
  const std::uint64_t h = t.allocate(HandleKind::route, o.get());
  for (HandleKind k : {HandleKind::entity, HandleKind::dest, HandleKind::next_hop,
                       HandleKind::notify, HandleKind::enumeration, HandleKind::route_list})
    EXPECT_EQ(find(t, h, k), nullptr) << "kind " << static_cast<int>(k);
  EXPECT_EQ(find(t, h, HandleKind::route), o.get());
  // The kind bits rewritten: the slot's value no longer matches.
  const std::uint64_t as_dest =
      (h & ~(std::uint64_t{0xF} << 52)) | std::uint64_t{static_cast<unsigned>(HandleKind::dest)} << 52;
  EXPECT_EQ(find(t, as_dest, HandleKind::dest), nullptr);
  EXPECT_EQ(find(t, as_dest, HandleKind::none), nullptr);
  t.free(h);
}

TEST_F(HandleTableTest, NullAndForgedHandlesAreRefused) {
  HandleTable t(0x24, 0);
  ObjectPtr o = object();
  const std::uint64_t h = t.allocate(HandleKind::route, o.get());
  EXPECT_EQ(find(t, 0), nullptr);
  EXPECT_EQ(find(t, h ^ (std::uint64_t{1} << 32)), nullptr) << "another generation";
  EXPECT_EQ(find(t, h + 1), nullptr) << "a slot of an allocated segment never handed out";
  EXPECT_EQ(find(t, (h & ~std::uint64_t{0xFFFFFFFF}) | 0xFFFFFF00u), nullptr)
      << "an index whose segment does not exist";
  EXPECT_EQ(find(t, (h & ~std::uint64_t{0xFFFFFFFF}) | 0xFFFFFFFFu), nullptr)
      << "beyond the last index";
  EXPECT_EQ(find(t, h ^ (std::uint64_t{1} << 56)), nullptr) << "another instance tag";
  EXPECT_EQ(find(t, h), o.get()) << "the real one still works";
  t.free(h);
}

TEST_F(HandleTableTest, FreedHandleIsRefusedAndItsSlotReusedUnderANewGeneration) {
  HandleTable t(0x25, 0);
  ObjectPtr a = object();
  ObjectPtr b = object();
  const std::uint64_t ha = t.allocate(HandleKind::route, a.get());
  t.free(ha);
  EXPECT_EQ(find(t, ha), nullptr) << "refused at once";
  const std::uint64_t hb = t.allocate(HandleKind::route, b.get());
  ASSERT_NE(hb, 0u);
  EXPECT_EQ(t.slot_of(hb), t.slot_of(ha)) << "the slot is recycled";
  EXPECT_EQ(t.end_index(), 1u) << "no fresh slot taken";
  EXPECT_NE(hb, ha);
  EXPECT_EQ(generation_of(hb), generation_of(ha) + 1);
  EXPECT_EQ(find(t, ha), nullptr) << "the stale handle does not name the new object";
  EXPECT_EQ(find(t, hb), b.get());
  t.free(hb);
}

TEST_F(HandleTableTest, StaleHandlesStayRefusedOverManyReusesOfOneSlot) {
  HandleTable t(0x26, 0);
  std::vector<ObjectPtr> objs;
  std::vector<std::uint64_t> old;
  for (int i = 0; i < 300; ++i) {
    objs.push_back(object());
    const std::uint64_t h = t.allocate(HandleKind::route, objs.back().get());
    ASSERT_EQ(t.slot_of(h), 0u);
    ASSERT_EQ(find(t, h), objs.back().get());
    for (std::uint64_t s : old) ASSERT_EQ(find(t, s), nullptr);
    t.free(h);
    old.push_back(h);
  }
  EXPECT_EQ(std::set<std::uint64_t>(old.begin(), old.end()).size(), old.size());
}

TEST_F(HandleTableTest, FreeOfAStaleOrFreedHandleChangesNothing) {
  HandleTable t(0x27, 0);
  ObjectPtr a = object();
  ObjectPtr b = object();
  ObjectPtr c = object();
  const std::uint64_t ha = t.allocate(HandleKind::route, a.get());
  t.free(ha);
  t.free(ha);  // a second free: the slot must not enter the free list twice
  const std::uint64_t hb = t.allocate(HandleKind::route, b.get());
  const std::uint64_t hc = t.allocate(HandleKind::route, c.get());
  EXPECT_NE(t.slot_of(hb), t.slot_of(hc));
  t.free(ha);  // stale: b now has the slot
  EXPECT_EQ(find(t, hb), b.get());
  EXPECT_EQ(find(t, hc), c.get());
  // A freed value of another table's tag in the same slot is not b's either.
  t.free(hb ^ (std::uint64_t{1} << 56));
  EXPECT_EQ(find(t, hb), b.get());
  t.free(hb);
  t.free(hc);
}

TEST_F(HandleTableTest, FreeOfZeroChangesNothing) {
  // A free slot's word is 0: free(0) must not take that for a live handle
  // and push the slot on the free list a second time (two objects would
  // then share one slot).
  HandleTable t(0x28, 0);
  ObjectPtr a = object();
  ObjectPtr b = object();
  ObjectPtr c = object();
  t.free(t.allocate(HandleKind::route, a.get()));  // slot 0 is free now
  t.free(0);
  const std::uint64_t hb = t.allocate(HandleKind::route, b.get());
  const std::uint64_t hc = t.allocate(HandleKind::route, c.get());
  EXPECT_NE(t.slot_of(hb), t.slot_of(hc));
  EXPECT_EQ(find(t, hb), b.get());
  EXPECT_EQ(find(t, hc), c.get());
  t.free(hb);
  t.free(hc);
}

TEST_F(HandleTableTest, AHandleOfOneTableNeverValidatesInAnother) {
  HandleTable t1(0x31, 0);
  HandleTable t2(0x32, 0);
  ObjectPtr a = object();
  ObjectPtr b = object();
  const std::uint64_t h1 = t1.allocate(HandleKind::route, a.get());
  const std::uint64_t h2 = t2.allocate(HandleKind::route, b.get());
  EXPECT_EQ(index_of(h1), index_of(h2)) << "same slot, same generation, same kind";
  EXPECT_NE(h1, h2) << "the tag tells them apart";
  EXPECT_EQ(find(t2, h1), nullptr);
  EXPECT_EQ(find(t1, h2), nullptr);
  t2.free(h1);  // not t2's: nothing happens
  EXPECT_EQ(find(t2, h2), b.get());
  t1.free(h1);
  t2.free(h2);
}

// Tags are reused once an instance is gone; the next table with the tag
// starts at the first index the last one never issued, so none of the old
// handles can match a slot of the new table however it is used.
TEST_F(HandleTableTest, ATableReusingATagIssuesIndicesAboveTheLastOnesBase) {
  HandleTable t1(0x33, 0);
  std::vector<ObjectPtr> objs;
  std::vector<std::uint64_t> old;
  for (int i = 0; i < 3; ++i) {
    objs.push_back(object());
    old.push_back(t1.allocate(HandleKind::route, objs.back().get()));
  }
  const std::uint32_t base = t1.end_index();
  EXPECT_EQ(base, 3u);
  HandleTable t2(0x33, base);
  std::vector<std::uint64_t> fresh;
  for (int i = 0; i < 5; ++i) {
    objs.push_back(object());
    fresh.push_back(t2.allocate(HandleKind::route, objs.back().get()));
    t2.free(fresh.back());  // and reuse the slot: generations restart at 0 in t2
    fresh.push_back(t2.allocate(HandleKind::route, objs.back().get()));
  }
  EXPECT_EQ(index_of(fresh.front()), base);
  EXPECT_EQ(t2.slot_of(fresh.front()), 0u);
  EXPECT_EQ(t2.end_index(), base + 5);
  for (std::uint64_t h : old) {
    EXPECT_EQ(find(t2, h), nullptr);
    for (std::uint64_t f : fresh) EXPECT_NE(h, f);
  }
  t2.free(old[0]);  // below t2's base: ignored
  EXPECT_EQ(find(t2, fresh.back()), objs.back().get());
  for (std::uint64_t h : old) t1.free(h);
  for (std::uint64_t h : fresh) t2.free(h);
}

TEST_F(HandleTableTest, IndicesRunOutAtTheTopOfTheRange) {
  HandleTable t(0x34, 0xFFFFFFFCu);  // room for indices ...FC, ...FD, ...FE
  std::vector<ObjectPtr> objs;
  std::vector<std::uint64_t> hs;
  for (int i = 0; i < 3; ++i) {
    objs.push_back(object());
    hs.push_back(t.allocate(HandleKind::route, objs.back().get()));
    ASSERT_NE(hs.back(), 0u);
    EXPECT_EQ(index_of(hs.back()), 0xFFFFFFFCu + static_cast<std::uint32_t>(i));
  }
  ObjectPtr extra = object();
  EXPECT_EQ(t.allocate(HandleKind::route, extra.get()), 0u) << "no index left";
  EXPECT_EQ(extra->handle, 0u) << "and the object's handle is left 0";
  t.free(hs[1]);
  const std::uint64_t again = t.allocate(HandleKind::route, extra.get());
  EXPECT_EQ(index_of(again), 0xFFFFFFFDu) << "a freed slot is still usable";
  EXPECT_EQ(find(t, again), extra.get());
  EXPECT_EQ(find(t, hs[0]), objs[0].get());
  EXPECT_EQ(find(t, hs[2]), objs[2].get());
  for (std::uint64_t h : {hs[0], hs[2], again}) t.free(h);
}

TEST_F(HandleTableTest, ForEachHandleVisitsExactlyTheValidHandles) {
  HandleTable t(0x36, 0);
  std::vector<ObjectPtr> objs;
  std::vector<std::uint64_t> hs;
  for (int i = 0; i < 6; ++i) {
    objs.push_back(object());
    hs.push_back(t.allocate(HandleKind::route, objs.back().get()));
  }
  t.free(hs[1]);
  t.free(hs[4]);
  std::set<std::uint64_t> seen;
  t.for_each_handle([&](std::uint64_t h) { EXPECT_TRUE(seen.insert(h).second); });
  EXPECT_EQ(seen, (std::set<std::uint64_t>{hs[0], hs[2], hs[3], hs[5]}));
  for (std::uint64_t h : {hs[0], hs[2], hs[3], hs[5]}) t.free(h);
  seen.clear();
  t.for_each_handle([&](std::uint64_t h) { seen.insert(h); });
  EXPECT_TRUE(seen.empty());
}

// Threads allocate a batch each, check that every handle of the batch names
// its own object (two threads given one slot at once would overwrite each
// other's handle), and free the batch, many times. The free list loses no
// slot: slots handed out never exceed what was live at once.
TEST_F(HandleTableTest, ConcurrentAllocateLookupAndFreeKeepHandlesUnique) {
  constexpr unsigned kThreads = 4;
  constexpr int kBatch = 64;
  constexpr int kRounds = 150;
  HandleTable t(0x37, 0);
  std::vector<std::vector<ObjectPtr>> objs(kThreads);
  for (auto& v : objs)
    for (int i = 0; i < kBatch; ++i) v.push_back(object());
  std::atomic<int> wrong{0};
  std::barrier start(kThreads);
  std::vector<std::thread> ts;
  for (unsigned id = 0; id < kThreads; ++id)
    ts.emplace_back([&, id] {
      ThreadScope scope;
      start.arrive_and_wait();
      std::uint64_t hs[kBatch];
      for (int r = 0; r < kRounds; ++r) {
        for (int i = 0; i < kBatch; ++i) hs[i] = t.allocate(HandleKind::route, objs[id][i].get());
        for (int i = 0; i < kBatch; ++i) {
          Guard g;
          if (hs[i] == 0 || t.lookup(hs[i], HandleKind::route, g) != objs[id][i].get())
            wrong.fetch_add(1, std::memory_order_relaxed);
        }
        for (int i = 0; i < kBatch; ++i) t.free(hs[i]);
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(t.end_index(), kThreads * kBatch);
  std::size_t live = 0;
  t.for_each_handle([&](std::uint64_t) { ++live; });
  EXPECT_EQ(live, 0u);
}

// Readers look up whatever handle a writer last published while the writer
// frees it and hands the slot to the next object. Each object gets one
// handle only, so a lookup that returns an object must return the one its
// handle was issued for; any other answer is a stale handle validated.
TEST_F(HandleTableTest, LookupRacingFreeAndReuseNeverReturnsAnotherObject) {
  constexpr int kObjects = 3000;
  constexpr unsigned kReaders = 3;
  HandleTable t(0x38, 0);
  std::vector<ObjectPtr> objs;
  for (int i = 0; i < kObjects; ++i) objs.push_back(object());
  std::atomic<std::uint64_t> published{0};
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::barrier start(kReaders + 1);
  std::vector<std::thread> ts;
  for (unsigned r = 0; r < kReaders; ++r)
    ts.emplace_back([&] {
      ThreadScope scope;
      start.arrive_and_wait();
      while (!done.load(std::memory_order_acquire)) {
        const std::uint64_t h = published.load(std::memory_order_acquire);
        Guard g;
        Object* p = t.lookup(h, HandleKind::route, g);
        if (p != nullptr && p->handle != h) wrong.fetch_add(1, std::memory_order_relaxed);
      }
    });
  {
    ThreadScope scope;
    start.arrive_and_wait();
    for (int i = 0; i < kObjects; ++i) {
      const std::uint64_t h = t.allocate(HandleKind::route, objs[i].get());
      published.store(h, std::memory_order_release);
      t.free(h);
    }
    done.store(true, std::memory_order_release);
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(t.end_index(), 1u) << "one slot, reused for every object";
}

}  // namespace
