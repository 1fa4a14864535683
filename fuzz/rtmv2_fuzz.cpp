// rtmv2_fuzz — libFuzzer target: the input decodes to a sequence of RTMv2 C
// API calls on a small table, with valid, stale, forged and wrong-kind
// handles and right and wrong release functions. The harness keeps its own
// model of the references each entity holds (per handle, ordinary or
// changed-destination) and checks, after every call:
//  - a release that succeeded released references the entity held (the
//    model had them), and the library's count moved by exactly that;
//  - a release of references the model says are held, with the right
//    function, succeeded (held references keep their handles valid);
//  - RtmxGetHeldReferences equals the model for every entity.
// Crashes and sanitizer reports are libFuzzer's.
//
// Build: the `fuzz` preset (clang-14, ASan + UBSan, -fsanitize=fuzzer).
//   build/fuzz/fuzz/rtmv2_fuzz fuzz/corpus -runs=1000000
#include <fuzzer/FuzzedDataProvider.h>
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>

#include <atomic>
#include <map>
#include <tuple>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

std::atomic<unsigned long long> g_calls{0};

struct Report {
  ~Report() { std::fprintf(stderr, "rtmv2_fuzz: %llu API calls\n", g_calls.load()); }
} g_report;

constexpr USHORT kInstance = 31;
constexpr int kEntities = 3;  // two IPv4, one IPv6

// Dest infos are sized for every view a profile can have.
constexpr std::size_t kDestInfoSize = RTM_SIZE_OF_DEST_INFO(RTM_MAX_VIEWS);
constexpr std::size_t kRouteInfoSize = RTM_SIZE_OF_ROUTE_INFO(16);

struct HeldDest {
  int entity;
  RTM_NOTIFY_HANDLE notify;  // non-null: from RtmGetChangedDests
  std::vector<unsigned char> buf = std::vector<unsigned char>(kDestInfoSize);
  PRTM_DEST_INFO info() { return reinterpret_cast<PRTM_DEST_INFO>(buf.data()); }
};
struct HeldRoute {
  int entity;
  std::vector<unsigned char> buf = std::vector<unsigned char>(kRouteInfoSize);
  PRTM_ROUTE_INFO info() { return reinterpret_cast<PRTM_ROUTE_INFO>(buf.data()); }
};
struct HeldHandle {
  int entity;
  HANDLE h;
};

// The handles an info holds references on.
std::vector<HANDLE> dest_handles(PRTM_DEST_INFO d) {
  std::vector<HANDLE> v = {d->DestHandle};
  for (UINT i = 0; i < d->NumberOfViews && i < RTM_MAX_VIEWS; ++i) {
    v.push_back(d->ViewInfo[i].Route);
    v.push_back(d->ViewInfo[i].Owner);
    v.push_back(d->ViewInfo[i].HoldRoute);
  }
  return v;
}
std::vector<HANDLE> route_handles(PRTM_ROUTE_INFO r) {
  std::vector<HANDLE> v = {r->DestHandle, r->RouteOwner, r->Neighbour};
  for (USHORT i = 0; i < r->NextHopsList.NumNextHops && i < 16; ++i) v.push_back(r->NextHopsList.NextHops[i]);
  return v;
}
bool is_changed_info(PRTM_DEST_INFO d) { return (d->LastChanged.dwLowDateTime & 1) != 0; }

struct Harness {
  FuzzedDataProvider& in;
  RTM_ENTITY_HANDLE e[kEntities] = {};
  RTM_REGN_PROFILE profile[kEntities] = {};
  // (entity, handle, changed-destination reference) -> references held.
  std::map<std::tuple<int, HANDLE, bool>, long> refs;
  std::vector<HANDLE> seen;  // every handle ever returned (may go stale)
  std::vector<HeldDest> dests;
  std::vector<HeldRoute> routes;
  std::vector<HeldHandle> handles;  // single references: routes from add, ReferenceHandles
  std::vector<HeldHandle> nexthops;
  RTM_NOTIFY_HANDLE notify[kEntities] = {};

  explicit Harness(FuzzedDataProvider& p) : in(p) {}

  DWORD call(DWORD r) {
    ++g_calls;
    return r;
  }
  long total(int i) const {
    long n = 0;
    for (const auto& [k, c] : refs)
      if (std::get<0>(k) == i) n += c;
    return n;
  }
  void take(int i, const std::vector<HANDLE>& hs, bool changed) {
    for (HANDLE h : hs)
      if (h != nullptr) ++refs[{i, h, changed}];
  }
  // Whether entity i holds every reference in hs (with multiplicity).
  bool holds(int i, const std::vector<HANDLE>& hs, bool changed) {
    std::map<HANDLE, long> need;
    for (HANDLE h : hs)
      if (h != nullptr) ++need[h];
    if (need.empty()) return false;  // nothing to release is not a release
    for (const auto& [h, n] : need) {
      auto it = refs.find({i, h, changed});
      if (it == refs.end() || it->second < n) return false;
    }
    return true;
  }
  // Applies the outcome of a release: success must have been a release of
  // held references; a release of held references with the right function
  // must succeed (when `must` says the call was the right one).
  bool released(DWORD r, int i, const std::vector<HANDLE>& hs, bool changed, bool must,
                const char* what) {
    const bool held = holds(i, hs, changed);
    if (r == NO_ERROR && !held) {
      std::fprintf(stderr, "%s succeeded for references entity %d does not hold\n", what, i);
      std::abort();
    }
    if (r != NO_ERROR && held && must) {
      std::fprintf(stderr, "%s of held references failed with %lu\n", what, static_cast<unsigned long>(r));
      std::abort();
    }
    if (r != NO_ERROR) return false;
    for (HANDLE h : hs)
      if (h != nullptr && --refs[{i, h, changed}] == 0) refs.erase({i, h, changed});
    return true;
  }
  void check() {
    for (int i = 0; i < kEntities; ++i) {
      ULONG held = 0;
      if (RtmxGetHeldReferences(e[i], &held) != NO_ERROR || static_cast<long>(held) != total(i)) {
        std::fprintf(stderr, "entity %d holds %lu references, the model says %ld\n", i,
                     static_cast<unsigned long>(held), total(i));
        std::abort();
      }
    }
  }
  int who() { return in.ConsumeIntegralInRange<int>(0, kEntities - 1); }
  void remember(HANDLE h) {
    if (h != nullptr && seen.size() < 4096) seen.push_back(h);
  }
  // A handle to pass: a seen one, forged, junk, null or an entity handle.
  HANDLE any_handle() {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0: return nullptr;
      case 1: return reinterpret_cast<HANDLE>(in.ConsumeIntegral<std::uintptr_t>());
      case 2: return e[who()];
      case 3:
        if (!seen.empty()) {
          auto v = reinterpret_cast<std::uintptr_t>(seen[in.ConsumeIntegralInRange<std::size_t>(0, seen.size() - 1)]);
          return reinterpret_cast<HANDLE>(v ^ (std::uintptr_t{1} << in.ConsumeIntegralInRange<int>(0, 63)));
        }
        return nullptr;
      default:
        return seen.empty() ? nullptr : seen[in.ConsumeIntegralInRange<std::size_t>(0, seen.size() - 1)];
    }
  }
  void address(RTM_NET_ADDRESS* a, int entity) {
    std::memset(a, 0, sizeof *a);
    const bool v6 = entity == 2;
    if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {  // sometimes invalid
      a->AddressFamily = in.ConsumeIntegral<USHORT>();
      a->NumBits = in.ConsumeIntegral<USHORT>();
      in.ConsumeData(a->AddrBits, sizeof a->AddrBits);
      return;
    }
    a->AddressFamily = v6 ? AF_INET6 : AF_INET;
    // Small nested prefixes: lots of collisions and covering.
    // Mostly /16../32 (v6: /16../64); a short IPv4 prefix rewrites a large
    // part of the forwarding index (a /8 65,536 entries, a /0 all 2^24), which
    // under coverage instrumentation would dominate the run: /8../15 are
    // rare and shorter ones are left to the unit tests.
    const unsigned len = in.ConsumeIntegralInRange<int>(0, 63) == 0
                             ? in.ConsumeIntegralInRange<unsigned>(8, 15)
                             : in.ConsumeIntegralInRange<unsigned>(16, v6 ? 64 : 32);
    a->NumBits = static_cast<USHORT>(len);
    a->AddrBits[0] = v6 ? 0x20 : 10;
    a->AddrBits[1] = static_cast<UCHAR>(in.ConsumeIntegralInRange<int>(0, 3));
    a->AddrBits[2] = static_cast<UCHAR>(in.ConsumeIntegralInRange<int>(0, 3) << 6);
    a->AddrBits[3] = static_cast<UCHAR>(in.ConsumeIntegralInRange<int>(0, 1) << 7);
    // Clear host bits so most prefixes are valid.
    for (unsigned bit = len; bit < 128; ++bit) a->AddrBits[bit / 8] &= static_cast<UCHAR>(~(0x80u >> (bit % 8)));
  }

  void step() {
    const int i = who();
    const int op = in.ConsumeIntegralInRange<int>(0, 23);
    if (std::getenv("RTMV2_FUZZ_TRACE")) {
      std::fprintf(stderr, "step op %d entity %d; refs:", op, i);
      for (const auto& [k, c] : refs)
        if (std::get<2>(k)) std::fprintf(stderr, " e%d:%p:changed x%ld", std::get<0>(k), std::get<1>(k), c);
      std::fprintf(stderr, "\n");
    }
    switch (op) {
      case 0: {  // add next hop
        RTM_NEXTHOP_INFO nh{};
        address(&nh.NextHopAddress, i);
        nh.InterfaceIndex = in.ConsumeIntegralInRange<ULONG>(0, 3);
        RTM_NEXTHOP_HANDLE h = nullptr;
        RTM_NEXTHOP_CHANGE_FLAGS f = 0;
        const bool want = in.ConsumeBool();
        if (call(RtmAddNextHop(e[i], &nh, want ? &h : nullptr, &f)) == NO_ERROR && want) {
          take(i, {h}, false);
          nexthops.push_back({i, h});
          remember(h);
        }
        break;
      }
      case 1: {  // add route, maybe with a next hop and an update handle
        RTM_NET_ADDRESS a;
        address(&a, i);
        std::vector<unsigned char> buf(kRouteInfoSize);
        auto* ri = reinterpret_cast<PRTM_ROUTE_INFO>(buf.data());
        ri->BelongsToViews = in.ConsumeIntegralInRange<RTM_VIEW_SET>(0, 4);
        ri->PrefInfo.Preference = in.ConsumeIntegralInRange<ULONG>(0, 3);
        ri->PrefInfo.Metric = in.ConsumeIntegralInRange<ULONG>(0, 3);
        ri->Flags = in.ConsumeIntegralInRange<USHORT>(0, 15);
        if (in.ConsumeBool()) {
          ri->NextHopsList.NumNextHops = 1;
          ri->NextHopsList.NextHops[0] = any_handle();
        }
        if (in.ConsumeBool()) ri->Neighbour = any_handle();
        RTM_ROUTE_HANDLE h = in.ConsumeBool() ? any_handle() : nullptr;
        const bool want = in.ConsumeBool();
        const bool fresh = h == nullptr;
        RTM_ROUTE_CHANGE_FLAGS f = in.ConsumeBool() ? RTM_ROUTE_CHANGE_NEW : 0;
        if (call(RtmAddRouteToDest(e[i], want ? &h : nullptr, &a, ri, INFINITE, nullptr, 0,
                                   nullptr, &f)) == NO_ERROR &&
            want && fresh) {
          take(i, {h}, false);
          handles.push_back({i, h});
          remember(h);
        }
        break;
      }
      case 2: {  // delete route
        RTM_ROUTE_CHANGE_FLAGS f = 0;
        call(RtmDeleteRouteToDest(e[i], any_handle(), &f));
        break;
      }
      case 3: case 4: case 5: case 6: {  // lookups
        HeldDest d{i, nullptr};
        RTM_NET_ADDRESS a;
        address(&a, i);
        const RTM_VIEW_SET views = in.ConsumeIntegralInRange<RTM_VIEW_SET>(0, 3);
        const ULONG proto = in.ConsumeBool() ? RTM_BEST_PROTOCOL : in.ConsumeIntegralInRange<ULONG>(0, 3);
        DWORD r;
        const int kind = in.ConsumeIntegralInRange<int>(0, 3);
        if (kind == 0) r = RtmGetExactMatchDestination(e[i], &a, proto, views, d.info());
        else if (kind == 1) r = RtmGetMostSpecificDestination(e[i], &a, proto, views, d.info());
        else if (kind == 2) r = RtmGetDestInfo(e[i], any_handle(), proto, views, d.info());
        else r = RtmGetLessSpecificDestination(e[i], any_handle(), proto, views, d.info());
        if (call(r) == NO_ERROR) {
          take(i, dest_handles(d.info()), false);
          remember(d.info()->DestHandle);
          for (UINT v = 0; v < d.info()->NumberOfViews; ++v) remember(d.info()->ViewInfo[v].Route);
          dests.push_back(std::move(d));
        }
        break;
      }
      case 7: {  // route info
        HeldRoute r{i};
        if (call(RtmGetRouteInfo(e[i], any_handle(), r.info(), nullptr)) == NO_ERROR) {
          take(i, route_handles(r.info()), false);
          remember(r.info()->DestHandle);
          routes.push_back(std::move(r));
        }
        break;
      }
      case 8: {  // release a held dest info: by its owner, with the right or a wrong function
        if (dests.empty()) break;
        const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, dests.size() - 1);
        HeldDest& d = dests[k];
        const int how = in.ConsumeIntegralInRange<int>(0, 2);
        // Another entity may try any release of this info, except the one
        // that can succeed for a changed info: after its registration is
        // gone, RtmReleaseChangedDests by another entity that holds the same
        // changed references releases that entity's, and the harness could
        // not tell which of its infos they came from (changed references are
        // only released whole, through an info).
        const int by = (d.notify != nullptr && how == 2) || in.ConsumeBool() ? d.entity : who();
        DWORD r;
        if (how == 0) r = RtmReleaseDestInfo(e[by], d.info());
        else if (how == 1) r = RtmReleaseDests(e[by], 1, d.info());
        else r = RtmReleaseChangedDests(e[by], d.notify ? d.notify : notify[by], 1, d.info());
        // The right function: ReleaseChangedDests for infos from
        // GetChangedDests (through their registration), the others otherwise.
        const bool changed = d.notify != nullptr;
        if (std::getenv("RTMV2_FUZZ_TRACE"))
          std::fprintf(stderr, "  release info of e%d (%s, notify %p) by e%d how %d -> %lu\n", d.entity,
                       changed ? "changed" : "ordinary", d.notify, by, how, static_cast<unsigned long>(r));
        if (r == NO_ERROR && changed != (how == 2)) {
          std::fprintf(stderr, "the wrong release function was accepted for a %s info\n",
                       changed ? "changed-destination" : "ordinary");
          std::abort();
        }
        const bool right = changed ? (how == 2 && by == d.entity) : (how != 2);
        if (released(call(r), by, dest_handles(d.info()), changed, right, "a dest info release"))
          dests.erase(dests.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
      case 9: {  // release a route info
        if (routes.empty()) break;
        const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, routes.size() - 1);
        const int by = in.ConsumeBool() ? routes[k].entity : who();
        if (released(call(RtmReleaseRouteInfo(e[by], routes[k].info())), by,
                     route_handles(routes[k].info()), false, true, "RtmReleaseRouteInfo"))
          routes.erase(routes.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
      case 10: {  // release a single held handle (route or next hop), maybe by the wrong entity
        std::vector<HeldHandle>& pool = in.ConsumeBool() ? handles : nexthops;
        if (pool.empty()) break;
        const std::size_t k = in.ConsumeIntegralInRange<std::size_t>(0, pool.size() - 1);
        const int by = in.ConsumeBool() ? pool[k].entity : who();
        HANDLE h = pool[k].h;
        DWORD r;
        const int how = in.ConsumeIntegralInRange<int>(0, 2);
        if (how == 0) r = RtmReleaseRoutes(e[by], 1, &h);
        else if (how == 1) r = RtmReleaseNextHops(e[by], 1, &h);
        else r = RtmDereferenceHandles(e[by], 1, &h);
        // Only the kind-agnostic dereference must succeed for a held handle.
        if (released(call(r), by, {h}, false, how == 2, "a handle release"))
          pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
      case 11: {  // reference any handle
        HANDLE h = any_handle();
        if (call(RtmReferenceHandles(e[i], 1, &h)) == NO_ERROR) {
          take(i, {h}, false);
          handles.push_back({i, h});
        }
        break;
      }
      case 12: {  // register for changes
        if (notify[i] != nullptr) break;
        const RTM_NOTIFY_FLAGS flags = in.ConsumeIntegralInRange<RTM_NOTIFY_FLAGS>(0, 7) |
                                       (in.ConsumeBool() ? RTM_NOTIFY_ONLY_MARKED_DESTS : 0);
        RTM_NOTIFY_HANDLE n = nullptr;
        if (call(RtmRegisterForChangeNotification(e[i], RTM_VIEW_MASK_UCAST, flags, nullptr, &n)) ==
            NO_ERROR)
          notify[i] = n;
        break;
      }
      case 13: {  // drain some changes
        if (notify[i] == nullptr) break;
        std::vector<unsigned char> buf(kDestInfoSize * 4);
        UINT c = in.ConsumeIntegralInRange<UINT>(0, 4);
        const DWORD r = call(RtmGetChangedDests(e[i], notify[i], &c, reinterpret_cast<PRTM_DEST_INFO>(buf.data())));
        if (std::getenv("RTMV2_FUZZ_TRACE"))
          std::fprintf(stderr, "  get changed e%d notify %p -> %lu, %u infos\n", i, notify[i],
                       static_cast<unsigned long>(r), c);
        if (r != NO_ERROR && r != ERROR_NO_MORE_ITEMS) break;
        // Infos come packed at the entity's stride.
        const std::size_t stride = RTM_SIZE_OF_DEST_INFO(profile[i].NumberOfViews);
        for (UINT k = 0; k < c; ++k) {
          HeldDest d{i, notify[i]};
          std::memcpy(d.buf.data(), buf.data() + k * stride, stride);
          if (!is_changed_info(d.info())) {
            std::fprintf(stderr, "an info from RtmGetChangedDests without its mark\n");
            std::abort();
          }
          take(i, dest_handles(d.info()), true);
          dests.push_back(std::move(d));
        }
        break;
      }
      case 14: {  // deregister from changes (held changed infos stay releasable)
        if (notify[i] == nullptr) break;
        if (call(RtmDeregisterFromChangeNotification(e[i], notify[i])) == NO_ERROR) notify[i] = nullptr;
        break;
      }
      case 15: {  // mark / ignore / status on any handle
        BOOL b;
        HANDLE d = any_handle();
        switch (in.ConsumeIntegralInRange<int>(0, 3)) {
          case 0: call(RtmMarkDestForChangeNotification(e[i], notify[i], d, in.ConsumeBool())); break;
          case 1: call(RtmIsMarkedForChangeNotification(e[i], notify[i], d, &b)); break;
          case 2: call(RtmGetChangeStatus(e[i], notify[i], d, &b)); break;
          default: call(RtmIgnoreChangedDests(e[i], notify[i], 1, &d)); break;
        }
        break;
      }
      case 16: {  // is best route / exact match route
        RTM_VIEW_SET v;
        call(RtmIsBestRoute(e[i], any_handle(), &v));
        RTM_NET_ADDRESS a;
        address(&a, i);
        RTM_ROUTE_HANDLE h = nullptr;
        if (call(RtmGetExactMatchRoute(e[i], &a, RTM_MATCH_NONE, nullptr, 0, RTM_VIEW_MASK_ANY, &h)) ==
            NO_ERROR) {
          take(i, {h}, false);
          handles.push_back({i, h});
          remember(h);
        }
        break;
      }
      case 17: {  // next hop info, find, delete
        RTM_NEXTHOP_INFO nh{};
        if (call(RtmGetNextHopInfo(e[i], any_handle(), &nh)) == NO_ERROR) {
          take(i, {nh.NextHopOwner, nh.RemoteNextHop}, false);
          released(call(RtmReleaseNextHopInfo(e[i], &nh)), i, {nh.NextHopOwner, nh.RemoteNextHop},
                   false, true, "RtmReleaseNextHopInfo");
        }
        call(RtmDeleteNextHop(e[i], any_handle(), nullptr));
        break;
      }
      case 18: {  // registered entities
        RTM_ENTITY_HANDLE hs[8];
        UINT c = in.ConsumeIntegralInRange<UINT>(0, 8);
        if (call(RtmGetRegisteredEntities(e[i], &c, hs, nullptr)) == NO_ERROR && c > 0) {
          std::vector<HANDLE> v(hs, hs + c);
          take(i, v, false);
          released(call(RtmReleaseEntities(e[i], c, hs)), i, v, false, true, "RtmReleaseEntities");
        }
        break;
      }
      case 20: {  // a destination or route enumeration, drained: every handle it returns is
                  // referenced for the caller and released with the right function
        RTM_NET_ADDRESS a;
        address(&a, i);
        const RTM_ENUM_FLAGS flags = in.ConsumeIntegralInRange<RTM_ENUM_FLAGS>(0, 3) |
                                     (in.ConsumeBool() ? RTM_ENUM_OWN_DESTS : 0);
        const bool routes_enum = in.ConsumeBool();
        RTM_ENUM_HANDLE en = nullptr;
        const DWORD r = routes_enum
            ? call(RtmCreateRouteEnum(e[i], in.ConsumeBool() ? any_handle() : nullptr,
                                      in.ConsumeIntegralInRange<RTM_VIEW_SET>(0, 3),
                                      flags & ~RTM_ENUM_OWN_DESTS, in.ConsumeBool() ? &a : nullptr,
                                      RTM_MATCH_NONE, nullptr, 0, &en))
            : call(RtmCreateDestEnum(e[i], in.ConsumeIntegralInRange<RTM_VIEW_SET>(0, 3), flags,
                                     in.ConsumeBool() ? &a : nullptr, RTM_BEST_PROTOCOL, &en));
        if (r != NO_ERROR) break;
        remember(en);
        for (int batch = 0; batch < 64; ++batch) {
          UINT n = in.ConsumeIntegralInRange<UINT>(1, 4);
          DWORD g;
          if (routes_enum) {
            HANDLE hs[4];
            g = call(RtmGetEnumRoutes(e[i], en, &n, hs));
            if (g != NO_ERROR && g != ERROR_NO_MORE_ITEMS) std::abort();
            std::vector<HANDLE> v(hs, hs + n);
            take(i, v, false);
            if (n > 0) released(call(RtmReleaseRoutes(e[i], n, hs)), i, v, false, true, "RtmReleaseRoutes");
          } else {
            std::vector<unsigned char> buf(4 * kDestInfoSize);
            auto* infos = reinterpret_cast<PRTM_DEST_INFO>(buf.data());
            g = call(RtmGetEnumDests(e[i], en, &n, infos));
            if (g != NO_ERROR && g != ERROR_NO_MORE_ITEMS) std::abort();
            const std::size_t stride = RTM_SIZE_OF_DEST_INFO(profile[i].NumberOfViews);
            std::vector<HANDLE> v;
            for (UINT k = 0; k < n; ++k) {
              auto* d = reinterpret_cast<PRTM_DEST_INFO>(buf.data() + k * stride);
              remember(d->DestHandle);
              for (HANDLE h : dest_handles(d)) v.push_back(h);
            }
            take(i, v, false);
            if (n > 0) released(call(RtmReleaseDests(e[i], n, infos)), i, v, false, true, "RtmReleaseDests (enum)");
          }
          if (g == ERROR_NO_MORE_ITEMS || in.ConsumeIntegralInRange<int>(0, 7) == 0) break;
        }
        if (call(RtmDeleteEnumHandle(e[i], en)) != NO_ERROR) std::abort();
        break;
      }
      case 21: {  // a route list of any handles, enumerated, then deleted
        RTM_ROUTE_LIST_HANDLE list = nullptr;
        if (call(RtmCreateRouteList(e[i], &list)) != NO_ERROR) std::abort();
        remember(list);
        HANDLE hs[3] = {any_handle(), any_handle(), any_handle()};
        call(RtmInsertInRouteList(e[i], in.ConsumeBool() ? list : any_handle(),
                                  in.ConsumeIntegralInRange<UINT>(0, 3), hs));
        RTM_ENUM_HANDLE en = nullptr;
        if (call(RtmCreateRouteListEnum(e[i], list, &en)) == NO_ERROR) {
          HANDLE got[8];
          UINT n = 8;
          const DWORD g = call(RtmGetListEnumRoutes(e[i], en, &n, got));
          if (g != NO_ERROR && g != ERROR_NO_MORE_ITEMS) std::abort();
          std::vector<HANDLE> v(got, got + n);
          take(i, v, false);
          if (n > 0) released(call(RtmReleaseRoutes(e[i], n, got)), i, v, false, true, "RtmReleaseRoutes (list)");
          if (call(RtmDeleteEnumHandle(e[i], en)) != NO_ERROR) std::abort();
        }
        if (in.ConsumeBool() && call(RtmDeleteRouteList(e[i], list)) != NO_ERROR) std::abort();
        break;
      }
      case 22: {  // lock and unlock any handle (never left locked: the harness is one thread)
        HANDLE h = any_handle();
        const BOOL excl = in.ConsumeBool();
        PRTM_ROUTE_INFO rp = nullptr;
        PRTM_NEXTHOP_INFO np = nullptr;
        switch (in.ConsumeIntegralInRange<int>(0, 2)) {
          case 0:
            if (call(RtmLockDestination(e[i], h, excl, TRUE)) == NO_ERROR &&
                call(RtmLockDestination(e[i], h, excl, FALSE)) != NO_ERROR)
              std::abort();
            break;
          case 1:
            if (call(RtmLockRoute(e[i], h, excl, TRUE, in.ConsumeBool() ? &rp : nullptr)) == NO_ERROR &&
                call(RtmLockRoute(e[i], h, excl, FALSE, nullptr)) != NO_ERROR)
              std::abort();
            break;
          default:
            if (call(RtmLockNextHop(e[i], h, excl, TRUE, in.ConsumeBool() ? &np : nullptr)) == NO_ERROR &&
                call(RtmLockNextHop(e[i], h, excl, FALSE, nullptr)) != NO_ERROR)
              std::abort();
            break;
        }
        break;
      }
      case 23: {  // the owner edits its route through the pointer and commits it
        HANDLE h = any_handle();
        PRTM_ROUTE_INFO rp = nullptr;
        if (call(RtmLockRoute(e[i], h, TRUE, TRUE, &rp)) != NO_ERROR) break;
        rp->PrefInfo.Metric = in.ConsumeIntegral<ULONG>();
        if (in.ConsumeBool()) rp->NextHopsList.NumNextHops = in.ConsumeIntegralInRange<USHORT>(0, 20);
        RTM_ROUTE_CHANGE_FLAGS f = 0;
        if (call(RtmUpdateAndUnlockRoute(e[i], h, INFINITE, nullptr, 0, nullptr, &f)) != NO_ERROR &&
            call(RtmLockRoute(e[i], h, TRUE, FALSE, nullptr)) != NO_ERROR)
          std::abort();  // a failed commit keeps the lock; it must still be ours to drop
        break;
      }
      default: {  // release any handle: succeeds only if the model says it is held
        HANDLE h = any_handle();
        if (released(call(RtmDereferenceHandles(e[i], 1, &h)), i, {h}, false, true,
                     "RtmDereferenceHandles of any handle")) {
          // The model dropped one reference on h: forget one tracked holder
          // of it, so that finish() does not release it twice.
          for (auto it = handles.begin(); it != handles.end(); ++it)
            if (it->entity == i && it->h == h) {
              handles.erase(it);
              return check();
            }
          for (auto it = nexthops.begin(); it != nexthops.end(); ++it)
            if (it->entity == i && it->h == h) {
              nexthops.erase(it);
              return check();
            }
          // Held through an info: that info can no longer be released whole;
          // finish() releases what is left handle by handle.
        }
        break;
      }
    }
    check();
  }

  // Releases everything held, the right way, and deregisters.
  void finish() {
    for (HeldDest& d : dests) {
      const bool changed = d.notify != nullptr;
      const DWORD r = changed ? RtmReleaseChangedDests(e[d.entity], d.notify, 1, d.info())
                              : RtmReleaseDestInfo(e[d.entity], d.info());
      // An ordinary info may fail here: another entity's successful release
      // of the same handles consumed this one's references (they are
      // fungible); what is left goes handle by handle below.
      if (!released(call(r), d.entity, dest_handles(d.info()), changed, false,
                    "final dest release") &&
          std::getenv("RTMV2_FUZZ_TRACE"))
        std::fprintf(stderr, "final release of a %s info failed: %lu\n",
                     changed ? "changed" : "ordinary", static_cast<unsigned long>(r));
    }
    for (HeldRoute& r : routes)
      released(call(RtmReleaseRouteInfo(e[r.entity], r.info())), r.entity, route_handles(r.info()),
               false, false, "final route info release");
    for (auto* pool : {&handles, &nexthops})
      for (HeldHandle& h : *pool)
        released(call(RtmDereferenceHandles(e[h.entity], 1, &h.h)), h.entity, {h.h}, false, false,
                 "final dereference");
    // What is left (ordinary references of infos partly released through
    // a bare dereference) goes handle by handle.
    for (auto it = refs.begin(); it != refs.end();) {
      auto [i, h, changed] = it->first;
      if (changed) { ++it; continue; }
      HANDLE hh = h;
      if (call(RtmDereferenceHandles(e[i], 1, &hh)) != NO_ERROR) {
        std::fprintf(stderr, "a held reference could not be dropped\n");
        std::abort();
      }
      if (--it->second == 0) it = refs.erase(it);
    }
    check();
    for (int i = 0; i < kEntities; ++i) {
      if (total(i) != 0) {
        std::fprintf(stderr, "entity %d still holds %ld references after releasing all\n", i,
                     total(i));
        for (const auto& [k, c] : refs)
          std::fprintf(stderr, "  entity %d handle %p %s x%ld\n", std::get<0>(k), std::get<1>(k),
                       std::get<2>(k) ? "changed" : "ordinary", c);
        std::abort();
      }
      if (notify[i]) call(RtmDeregisterFromChangeNotification(e[i], notify[i]));
      if (call(RtmDeregisterEntity(e[i])) != NO_ERROR) std::abort();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Harness h(in);
  for (int i = 0; i < kEntities; ++i) {
    RTM_ENTITY_INFO info{};
    info.RtmInstanceId = kInstance;
    info.AddressFamily = i == 2 ? AF_INET6 : AF_INET;
    info.EntityId.EntityProtocolId = static_cast<ULONG>(i + 1);
    info.EntityId.EntityInstanceId = 1;
    if (RtmRegisterEntity(&info, nullptr, nullptr, FALSE, &h.profile[i], &h.e[i]) != NO_ERROR) std::abort();
  }
  int steps = 0;
  while (in.remaining_bytes() > 0 && steps++ < 200) h.step();
  h.finish();
  return 0;
}
