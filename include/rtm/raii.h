// rtm/raii.h — RAII owners over the handle discipline of rtm::Instance.
//
//   rtm::Instance rtm;
//   rtm::Registration bgp;
//   rtm::Registration::create(rtm, {0, rtm::Family::ipv4, 14, 1}, {}, &bgp);
//   {
//     rtm::Held<rtm::DestInfo> d(rtm, bgp.handle());
//     if (rtm.get_most_specific_destination(bgp.handle(), addr, rtm::kBestProtocol,
//                                           rtm::kViewMaskUnicast, d.out()) == rtm::errc::ok)
//       use(d->views[0].route);
//   }                                // released here, with the right release call
//   // ~Registration deregisters.
//
// Held<T> gives back what T holds with the release call of its kind:
// DestInfo → release_dest_info (or release_changed_dests when the info came
// from get_changed_dests), RouteInfo → release_route_info, NextHopInfo →
// release_next_hop_info, RouteHandle → release_routes, NextHopHandle →
// release_next_hops, DestHandle / EntityHandle → dereference_handles.
// out() hands the slot to a Get call and arms the owner. A failed Get
// leaves the slot's handles null, and the release calls skip null handles,
// so nothing needs undoing after a failure.
//
// Thread-safety: a Held or Registration is owned by one thread at a time
// (movable, not copyable), like any RAII owner; the Instance is shared.
#pragma once

#include <utility>

#include <rtm/instance.h>

namespace rtm {

// An entity registration that deregisters when it goes out of scope.
class Registration {
 public:
  Registration() = default;
  static errc create(Instance& rtm, const EntityInfo& info, const EntityConfig& config,
                     Registration* out, RegnProfile* profile = nullptr) {
    EntityHandle h;
    errc r = rtm.register_entity(info, config, &h, profile);
    if (r == errc::ok) *out = Registration(rtm, h);
    return r;
  }
  Registration(Registration&& o) noexcept
      : rtm_(std::exchange(o.rtm_, nullptr)), h_(std::exchange(o.h_, {})) {}
  Registration& operator=(Registration&& o) noexcept {
    if (this != &o) {
      reset();
      rtm_ = std::exchange(o.rtm_, nullptr);
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Registration() { reset(); }

  EntityHandle handle() const noexcept { return h_; }
  explicit operator bool() const noexcept { return static_cast<bool>(h_); }

  // Deregisters now; *still_held gets the references that were still out.
  errc reset(std::int64_t* still_held = nullptr) {
    if (!h_) return errc::ok;
    errc r = rtm_->deregister_entity(std::exchange(h_, {}), still_held);
    rtm_ = nullptr;
    return r;
  }

 private:
  Registration(Instance& rtm, EntityHandle h) : rtm_(&rtm), h_(h) {}
  Instance* rtm_ = nullptr;
  EntityHandle h_;
};

namespace detail {
inline errc release_held(Instance& r, EntityHandle who, const DestInfo& i) {
  if (!i.dest) return errc::ok;
  return i.changed_by ? r.release_changed_dests(who, i.changed_by, {&i, 1})
                      : r.release_dest_info(who, i);
}
inline errc release_held(Instance& r, EntityHandle who, const RouteInfo& i) {
  return r.release_route_info(who, i);
}
inline errc release_held(Instance& r, EntityHandle who, const NextHopInfo& i) {
  return r.release_next_hop_info(who, i);
}
inline errc release_held(Instance& r, EntityHandle who, const RouteHandle& h) {
  return h ? r.release_routes(who, {&h, 1}) : errc::ok;
}
inline errc release_held(Instance& r, EntityHandle who, const NextHopHandle& h) {
  return h ? r.release_next_hops(who, {&h, 1}) : errc::ok;
}
template <HandleKind K>
inline errc release_held(Instance& r, EntityHandle who, const Handle<K>& h) {
  const AnyHandle v = h.value;
  return h ? r.dereference_handles(who, {&v, 1}) : errc::ok;
}
}  // namespace detail

// One held info structure or handle, released on destruction.
template <class T>
class Held {
 public:
  Held(Instance& rtm, EntityHandle owner) : rtm_(&rtm), owner_(owner) {}
  // Takes ownership of `value`, which `owner` already holds.
  Held(Instance& rtm, EntityHandle owner, const T& value)
      : rtm_(&rtm), owner_(owner), value_(value), armed_(true) {}
  Held(Held&& o) noexcept
      : rtm_(o.rtm_), owner_(o.owner_), value_(o.value_), armed_(std::exchange(o.armed_, false)) {}
  Held& operator=(Held&& o) noexcept {
    if (this != &o) {
      release();
      rtm_ = o.rtm_;
      owner_ = o.owner_;
      value_ = o.value_;
      armed_ = std::exchange(o.armed_, false);
    }
    return *this;
  }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;
  ~Held() { release(); }

  // The slot for a Get call; whatever was held before is released first.
  T* out() {
    release();
    value_ = T{};
    armed_ = true;
    return &value_;
  }
  const T& operator*() const noexcept { return value_; }
  const T* operator->() const noexcept { return &value_; }
  const T& get() const noexcept { return value_; }

  // Releases now (idempotent); returns the release call's result.
  errc release() {
    if (!armed_) return errc::ok;
    armed_ = false;
    return detail::release_held(*rtm_, owner_, value_);
  }
  // Gives up ownership without releasing (the caller releases by hand).
  T disarm() noexcept {
    armed_ = false;
    return value_;
  }

 private:
  Instance* rtm_;
  EntityHandle owner_;
  T value_{};
  bool armed_ = false;
};

}  // namespace rtm
