// rtm/instance.h — rtm::Instance: one route table manager instance.
//
// Usage (the RTMv2 handle discipline in C++):
//
//   rtm::Instance rtm;                                  // instance id 0
//   rtm::EntityHandle bgp;
//   rtm.register_entity({0, rtm::Family::ipv4, /*proto*/ 8, /*inst*/ 1}, {}, &bgp);
//   rtm::RouteInfo ri;  ri.pref = {10, 20};
//   rtm::RouteChangeFlags ch = 0;
//   rtm.add_route(bgp, nullptr, *rtm::NetAddress::parse("192.0.2.0/24"), ri,
//                 rtm::kInfinite, &ch);
//   rtm::DestInfo di;
//   if (rtm.get_most_specific_destination(bgp, *rtm::NetAddress::parse("192.0.2.7"),
//                                         rtm::kBestProtocol, rtm::kViewMaskUnicast,
//                                         &di) == rtm::errc::ok) {
//     ... di.views[0].route is the best route, referenced ...
//     rtm.release_dest_info(bgp, di);                   // every Get has its Release
//   }
//   rtm.deregister_entity(bgp);
//
// Guarantees
// - Every call that returns handles adds exactly one reference per handle it
//   returns, owned by the calling entity; every release drops exactly one.
//   An object is freed when its last reference (the caller's or the
//   table's own) goes, never earlier: a handle still held never dangles.
// - Misuse is an error, not corruption: a null/stale/forged/wrong-kind or
//   other-instance handle gives errc::invalid_handle; releasing a reference
//   the entity does not hold (including a double release) gives
//   errc::invalid_parameter. Counts are untouched in both cases.
// - A release of 0 items (release_entities, release_dests, release_routes,
//   release_next_hops, release_changed_dests, dereference_handles with an
//   empty span) succeeds and does nothing, after checking the caller (and
//   the registration, for release_changed_dests): clients release what a
//   Get returned, and a Get may return 0 items. Gets refuse a capacity of 0.
// - Readers (lookups, get-info) never wait for writers and take no lock.
//   Writers to different destinations share no lock; writers to the same
//   destination are serialised by a per-destination lock.
//
// Thread-safety: every member function may be called from any thread
// concurrently, except the destructor. A calling thread never needs to
// initialise anything: the library attaches threads to its memory
// reclamation itself and detaches them when they exit.
//
// Costs: a lookup is a hash-map probe per candidate prefix length (longest
// first, only lengths present in the table), with hazard-pointer
// protection; a reference is an atomic update on the object plus one on the
// entity's hold record for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <rtm/address.h>
#include <rtm/clock.h>
#include <rtm/error.h>
#include <rtm/forwarding.h>
#include <rtm/info.h>
#include <rtm/stats.h>
#include <rtm/types.h>

namespace rtm {

namespace detail {
class Core;
struct InstanceAccess;
}

// One route of Instance::add_routes: add_route's arguments, and its results.
struct RouteAddItem {
  NetAddress dest;
  RouteInfo info;
  std::uint32_t time_to_live = kInfinite;
  // In and out as add_route's `handle`: null, a pointer to a null handle
  // (to get a referenced handle of the route) or to the route to update.
  RouteHandle* handle = nullptr;
  // In: always create a route (add_route's kRouteChangeNew on input). An
  // input of its own, so that an array submitted again after a successful
  // call (change_flags then holding kRouteChangeNew) means the same thing.
  bool force_new = false;
  RouteChangeFlags change_flags = 0;  // out: as add_route's (0 when the item failed)
  errc result = errc::ok;             // out: what add_route returned for this item
};

// One route of Instance::delete_routes.
struct RouteDeleteItem {
  RouteHandle route;
  RouteChangeFlags change_flags = 0;  // out: as delete_route's (0 when the item failed)
  errc result = errc::ok;             // out: what delete_route returned for this item
};

struct InstanceOptions {
  std::uint16_t instance_id = 0;
  // Views the instance supports (bit i = view i); default unicast+multicast.
  ViewSet views_supported = kViewMaskUnicast | kViewMaskMulticast;
  // Time source of route expiry and hold-down (rtm/clock.h). Null: the
  // steady clock and an internal timer thread. Non-null: no thread; the
  // embedder calls run_due_timers().
  std::shared_ptr<Clock> clock;
  // Views with a forwarding index for the fast path (forward(),
  // rtm/forwarding.h); only those also in views_supported are indexed, and
  // at most kMaxForwardingViews of them (the constructor throws
  // std::invalid_argument for more). 0: no fast path (forward() refuses
  // every view). Each index costs its memory (per family and view) and
  // some time on every write that changes a best route.
  ViewSet forwarding_views = kViewMaskUnicast;
  // Buckets of each family's destination map (a lock-free hash table with
  // a fixed bucket array, allocated with the instance: 16 bytes a bucket;
  // rounded up to a power of two, at least 16). More destinations than
  // buckets still work, each lookup walking a longer list (on average
  // destinations / buckets nodes past the second). The defaults fit a
  // full table, 1M IPv4 and 256K IPv6 destinations, and cost 20 MiB; an
  // instance that stays small can ask for fewer. Above 2^28 the
  // constructor throws std::invalid_argument; without memory for the
  // arrays, std::bad_alloc.
  std::uint32_t ipv4_buckets = 1u << 20;
  std::uint32_t ipv6_buckets = 1u << 18;
};

class Instance {
 public:
  Instance() : Instance(InstanceOptions{}) {}
  explicit Instance(const InstanceOptions& options);
  // Tears the instance down: every entity is deregistered and every object
  // freed, whatever references are still out (handles of this instance
  // become invalid). No other thread may be calling into it, and it must
  // not run inside one of its own callbacks (the timer thread is joined).
  ~Instance();

  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  std::uint16_t instance_id() const noexcept;
  // The tag this instance's handles carry in their top byte (for the C API,
  // which finds an instance from a handle).
  std::uint8_t handle_tag() const noexcept;

  // ---- entities --------------------------------------------------------------

  // Registers an entity. info.rtm_instance_id must equal instance_id().
  // Fails with already_exists if (family, protocol id, protocol instance) is
  // registered; invalid_parameter for a bad family or profile request.
  // On success *out holds the entity's handle: the caller's registration,
  // not a reference (it is given back with deregister_entity). Every other
  // entity of the instance (either family) gets EventType::entity_registered.
  errc register_entity(const EntityInfo& info, const EntityConfig& config, EntityHandle* out,
                       RegnProfile* profile = nullptr);

  // Deregisters: the entity's routes and next hops are deleted, the other
  // entities of the instance get entity_deregistered, and references the entity still holds
  // are dropped on its behalf. If `still_held` is non-null it receives how
  // many references were outstanding (0 for a clean client).
  //
  // Callbacks in flight: when it returns, no event callback of the entity
  // is running (on any thread: a change notification, a route expiry on the
  // timer thread, an entity event) and none will start; it waits for those
  // that had started, before anything of the entity is deleted (so such a
  // callback still sees the entity registered, its routes and references
  // intact). Exception: called from inside an event callback (of this
  // entity or any other, on the calling thread) it does not wait — a
  // callback deregistering its own entity would wait for itself, and two
  // callbacks deregistering each other's entities on two threads would
  // wait for each other. Then callbacks of the entity already running on
  // other threads may still be running, or about to call out (those that
  // passed their registered check before this call), when it returns.
  // Entity methods (invoke_methods) are not waited for.
  errc deregister_entity(EntityHandle caller, std::int64_t* still_held = nullptr);

  // Handles of the registered entities of the caller's family (each
  // referenced; give back with release_entities) and, if `infos` is
  // non-null, their infos. *count: in = capacity, out = number returned (or
  // needed, with insufficient_buffer, in which case nothing is referenced).
  errc get_registered_entities(EntityHandle caller, std::uint32_t* count, EntityHandle* handles,
                               EntityInfo* infos);
  errc release_entities(EntityHandle caller, std::span<const EntityHandle> handles);
  errc get_entity_info(EntityHandle caller, EntityHandle entity, EntityInfo* info);
  errc get_profile(EntityHandle caller, RegnProfile* profile);

  // The references `caller` holds, by kind.
  errc outstanding(EntityHandle caller, Outstanding* out) const;

  // ---- next hops ---------------------------------------------------------------

  // Adds or updates the caller's next hop keyed by (address, interface).
  // *handle (optional): in = a next hop to update; out = its handle,
  // referenced. *changed gets kNextHopChangeNew when one was created.
  errc add_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle,
                    NextHopChangeFlags* changed);
  // Finds the caller's next hop by (info.address, info.interface_index).
  errc find_next_hop(EntityHandle caller, const NextHopInfo& info, NextHopHandle* handle);
  // Deletes by handle (if non-null) or by key. Only the owner may delete.
  errc delete_next_hop(EntityHandle caller, NextHopHandle handle, const NextHopInfo* key);
  errc get_next_hop_info(EntityHandle caller, NextHopHandle handle, NextHopInfo* info);
  errc release_next_hop_info(EntityHandle caller, const NextHopInfo& info);
  errc release_next_hops(EntityHandle caller, std::span<const NextHopHandle> handles);

  // ---- routes --------------------------------------------------------------------

  // Adds or updates a route of `caller` to `dest` (created on demand).
  // Identity: (destination, owner, info.neighbour). With *handle non-null
  // the call updates that route; otherwise the matching route, or creates
  // one — always creates when kRouteChangeNew is set in *change_flags on
  // input. Whenever `handle` is non-null, on success *handle is the route's
  // handle with one reference owned by the caller. *change_flags out:
  // kRouteChangeFirst / New / Best. kRouteChangeBest has the meaning of the
  // BEST change type: another route became best in some view, the best
  // route went, or the best route's own attributes changed (an update of
  // the best route, even if it stays best) — it is set exactly when a BEST
  // change notification is queued for the change (here, in delete_route
  // and in update_and_unlock_route alike). info.next_hops are caller-held next-hop
  // handles (at most the profile's max); info.dest/owner/state are ignored.
  //
  // time_to_live: milliseconds, or kInfinite. When a finite time to live
  // runs out, the owner's callback gets EventType::route_expired (ctx1: the
  // route's handle with one reference owned by the owner; ctx2: a
  // const RouteInfo* valid during the call, its handles not referenced).
  // The table does not delete the route: the owner deletes or refreshes it
  // and releases the handle. Each add_route on the route restarts (or, with
  // kInfinite, cancels) its timer. `list` (optional): a route list of the
  // caller the route is moved into.
  errc add_route(EntityHandle caller, RouteHandle* handle, const NetAddress& dest,
                 const RouteInfo& info, std::uint32_t time_to_live,
                 RouteChangeFlags* change_flags, RouteListHandle list = {});
  // Deletes a route; only its owner may. The destination goes when its last
  // route goes. The handle stays valid (State deleted) until released.
  errc delete_route(EntityHandle caller, RouteHandle route, RouteChangeFlags* change_flags);
  // Bulk writes, for loaders and peer resets: add_route (delete_route) for
  // each item in order, for one caller (resolved once per call) and one
  // route list. Items are independent: each gets the result and change
  // flags its single-route call would have returned, a failed item changes
  // nothing, and it does not stop the items after it. add_route is the
  // one-item case of add_routes (one write path); the call only saves the
  // per-call work and overlaps the cache misses of a few items ahead.
  // Returns ok when every item succeeded, else the first failed item's
  // result. When the call itself fails (the caller is not a registered
  // entity of this instance, or `list` is not the caller's live route
  // list) nothing is done and every item's result is that error. An empty
  // span does nothing, after those checks. Change notifications are queued per
  // destination as each item is done; callbacks run when the call returns.
  errc add_routes(EntityHandle caller, std::span<RouteAddItem> items, RouteListHandle list = {});
  errc delete_routes(EntityHandle caller, std::span<RouteDeleteItem> items);
  // Fills *info (optional) and *dest_address (optional).
  errc get_route_info(EntityHandle caller, RouteHandle route, RouteInfo* info,
                      NetAddress* dest_address);
  errc release_route_info(EntityHandle caller, const RouteInfo& info);
  errc release_routes(EntityHandle caller, std::span<const RouteHandle> handles);
  // In which views (of the caller's profile) is `route` the best route.
  errc is_best_route(EntityHandle caller, RouteHandle route, ViewSet* best_in_views);

  // ---- destinations and lookups ---------------------------------------------------

  // protocol: kBestProtocol, kThisProtocol or a protocol id restricting the
  // best route to that protocol's routes. target_views: kViewMaskAny (all of
  // the caller's views) or a subset of the caller's profile.
  errc get_dest_info(EntityHandle caller, DestHandle dest, std::uint32_t protocol,
                     ViewSet target_views, DestInfo* info);
  errc release_dest_info(EntityHandle caller, const DestInfo& info);
  errc release_dests(EntityHandle caller, std::span<const DestInfo> infos);

  // The destination `address` if it has a route, or a held-down route
  // (hold_destination), in the target views.
  errc get_exact_match_destination(EntityHandle caller, const NetAddress& address,
                                   std::uint32_t protocol, ViewSet target_views,
                                   DestInfo* info);
  // Longest prefix covering `address` that has a route in the target views.
  // When every target view has a forwarding index (InstanceOptions::
  // forwarding_views), the search reads the index (one read section: the
  // fast path's 1024-thread reader limit, rtm/forwarding.h, applies to
  // callers of this and of get_less_specific_destination too) and makes
  // one table lookup; otherwise it probes each prefix length present. The
  // index sees a write a little later inside the write's call than the
  // table does (rtm/forwarding.h): a longer route whose add is still in
  // progress may be missed, as by a search that ran a moment earlier.
  errc get_most_specific_destination(EntityHandle caller, const NetAddress& address,
                                     std::uint32_t protocol, ViewSet target_views,
                                     DestInfo* info);
  // The next shorter destination covering `dest` with a route in the views.
  errc get_less_specific_destination(EntityHandle caller, DestHandle dest,
                                     std::uint32_t protocol, ViewSet target_views,
                                     DestInfo* info);
  // The best route on `address` matching `criteria` on the fields selected
  // by `flags` (owner, neighbour, pref, next hop, interface). On success
  // *route is referenced, and *criteria is overwritten with the route's info
  // (referenced too; give back with release_route_info) when
  // `fill_info` is true.
  errc get_exact_match_route(EntityHandle caller, const NetAddress& address, MatchFlags flags,
                             RouteInfo* criteria, std::uint32_t interface_index,
                             ViewSet target_views, RouteHandle* route, bool fill_info = true);

  // ---- forwarding fast path (rtm/forwarding.h) --------------------------------------
  //
  // For forwarding threads: the next hops of the best route (any protocol)
  // of `view` for an address, copied out. No caller entity, no reference,
  // no lock, no allocation; wait-free (one epoch read section per call or
  // per batch: two loads and two stores, no locked
  // instruction). Consistency rule: each address's answer is its best
  // route's next hops at some moment during the call (rtm/forwarding.h).
  // `view` must be one of InstanceOptions::forwarding_views.
  //
  // forward: `address` is used at full length (its length is ignored).
  // ok: a route (out->count next hops; 0 for a route that has none);
  // not_found: no route (out->count = 0); not_enough_memory: only when
  // degraded (a destination with very many routes);
  // invalid_parameter: out null, view without an index, or an address of
  // no known family. With `detail`, also the matched prefix and the
  // unreferenced destination and route handles (slower: a table lookup;
  // rtm/forwarding.h, ForwardingDetail).
  errc forward(ViewId view, const NetAddress& address, ForwardingResult* out,
               ForwardingDetail* detail = nullptr) const noexcept;
  // forward for an IPv4 address given in host order (no NetAddress to
  // build or check: the shortest path of a single lookup).
  errc forward4(ViewId view, std::uint32_t address, ForwardingResult* out) const noexcept;
  // Batches: out[i] answers addrs[i] (IPv4: host-order 32-bit addresses;
  // IPv6: NetAddress values of family ipv6, used at full length; an entry
  // of another family gets count 0). *hits (if non-null) gets the number
  // of addresses with a route. n == 0 is valid. invalid_parameter: addrs or
  // out null with n > 0, or view without an index; nothing written then.
  errc forward4_batch(ViewId view, const std::uint32_t* addrs, std::size_t n,
                      ForwardingResult* out, std::size_t* hits = nullptr) const noexcept;
  errc forward6_batch(ViewId view, const NetAddress* addrs, std::size_t n,
                      ForwardingResult* out, std::size_t* hits = nullptr) const noexcept;
  // True once the fast path has degraded for good (rtm/forwarding.h): its
  // lookups then answer from the full table.
  bool forwarding_degraded() const noexcept;
  // Memory of the fast path (rtm/forwarding.h, ForwardingStats): resident
  // bytes of the indexes and next-hop records, linked tbl8 groups and live
  // next-hop groups. Takes each index's writer mutex briefly (not for
  // forwarding threads). invalid_parameter: out null.
  errc forwarding_stats(ForwardingStats* out) const noexcept;

  // ---- change notification ----------------------------------------------------------
  //
  // A registration has a queue of changed destinations. A destination that
  // changes in a way the registration's filter matches (change types
  // kChangeTypeAll / Best / Forwarding in its target views; only marked
  // destinations with kNotifyOnlyMarkedDests) is queued once: a later change
  // to a destination still queued is not queued again, and the consumer
  // reads the destination's latest state. When a queue goes from empty to
  // non-empty, the registering entity's callback gets
  // EventType::change_notification (ctx1 = the notify handle value, ctx2 =
  // the registration's context) — a signal, not the data, called with no
  // library lock held. Any thread may consume.

  // At most kMaxNotifyRegistrations per instance and family
  // (no_system_resources beyond). flags: change types, optionally
  // kNotifyOnlyMarkedDests; at least one change type. *out is the
  // registration (not a reference), given back with
  // deregister_from_change_notification.
  errc register_for_change_notification(EntityHandle caller, ViewSet target_views,
                                        NotifyFlags flags, void* context, NotifyHandle* out);
  // Drops the queued entries (and their references). Infos already handed
  // out stay valid and are still released with release_changed_dests.
  errc deregister_from_change_notification(EntityHandle caller, NotifyHandle notify);
  // Dequeues up to *count (in: capacity > 0; out: number returned)
  // destinations, each as an info holding the queue entry's reference:
  // pre-referenced, released only with release_changed_dests. Returns ok
  // while more remain, no_more_items when this call emptied the queue (the
  // batch may still be non-empty).
  errc get_changed_dests(EntityHandle caller, NotifyHandle notify, std::uint32_t* count,
                         DestInfo* infos);
  // The only release of infos from get_changed_dests. All or nothing.
  errc release_changed_dests(EntityHandle caller, NotifyHandle notify,
                             std::span<const DestInfo> infos);
  // Drops the pending changes of these destinations from the queue.
  errc ignore_changed_dests(EntityHandle caller, NotifyHandle notify,
                            std::span<const DestHandle> dests);
  // Is a change of `dest` pending in the queue.
  errc get_change_status(EntityHandle caller, NotifyHandle notify, DestHandle dest,
                         bool* pending);
  // Marks / unmarks `dest` for a kNotifyOnlyMarkedDests registration.
  errc mark_dest_for_change_notification(EntityHandle caller, NotifyHandle notify,
                                         DestHandle dest, bool mark);
  errc is_marked_for_change_notification(EntityHandle caller, NotifyHandle notify,
                                         DestHandle dest, bool* marked);

  // ---- hold-down and timers ----------------------------------------------------------

  // From now on, whenever the best route of one of `views` on `dest` is
  // deleted, it is kept as that view's hold_route in DestInfo for
  // `hold_ms` milliseconds (kInfinite: until the next hold replaces it);
  // the destination stays in the table while it holds a route. hold_ms 0
  // stops holding (routes already held stay until their time is up).
  errc hold_destination(EntityHandle caller, DestHandle dest, ViewSet views,
                        std::uint32_t hold_ms);
  // Fires, on this thread, every timer due at the clock's now; returns how
  // many fired. With a custom clock (InstanceOptions::clock) this is how
  // timers fire; with the default clock the timer thread does it anyway.
  std::size_t run_due_timers();

  // ---- enumerations ---------------------------------------------------------------------
  //
  // An enumeration is a cursor over a snapshot of names taken at creation:
  // - every object that exists from creation until the cursor reaches it
  //   (and matches the filters then) is returned exactly once;
  // - an object created after the enumeration was created is not returned;
  // - an object deleted before the cursor reaches it is not returned;
  // - nothing is returned twice, and each get returns at least one item or
  //   ends the enumeration, so it terminates whatever the table does.
  // Destinations come in address order (bytes, then length); a get returns
  // at most min(*count, profile.max_handles_in_enum) items and
  // no_more_items with the last batch (which may be non-empty). Every
  // returned handle/info is referenced for the caller (release_dests /
  // release_routes / release_next_hops). Only the creator may use or
  // delete an enumeration; deregistration deletes the entity's.
  // Cost: creation walks the instance's handle table once (O(objects))
  // and sorts the matches; the snapshot takes 8 bytes per item.

  // flags: kEnumStart / kEnumNext / kEnumRange, optionally | kEnumOwnDests.
  // address: start (kEnumStart, may be null: from the first), the address
  // strictly after which to start (kEnumNext), or the prefix whose
  // destinations to return (kEnumRange). A destination is returned if it
  // has a route, or a held-down route, in `views` (kViewMaskAny: the
  // caller's); its info as
  // get_dest_info with `protocol` would fill it.
  errc create_dest_enum(EntityHandle caller, ViewSet views, EnumFlags flags,
                        const NetAddress* address, std::uint32_t protocol, EnumHandle* out);
  errc get_enum_dests(EntityHandle caller, EnumHandle e, std::uint32_t* count, DestInfo* infos);
  // Routes of `dest` (when non-null: its routes at creation), else of every
  // destination selected as by create_dest_enum with (flags mode, start):
  // there the destinations are the snapshot, and each one's routes are
  // those it has when the cursor reaches it (a route added to a
  // destination not yet reached is returned; nothing is returned twice).
  // Filters: views, kEnumOwnRoutes, and `criteria` on the fields `match`
  // selects (as get_exact_match_route).
  errc create_route_enum(EntityHandle caller, DestHandle dest, ViewSet views, EnumFlags flags,
                         const NetAddress* start, MatchFlags match, const RouteInfo* criteria,
                         std::uint32_t interface_index, EnumHandle* out);
  errc get_enum_routes(EntityHandle caller, EnumHandle e, std::uint32_t* count,
                       RouteHandle* routes);
  // Next hops of the caller's family (every owner), ordered by address
  // then interface; flags and address as for destinations.
  errc create_next_hop_enum(EntityHandle caller, EnumFlags flags, const NetAddress* address,
                            EnumHandle* out);
  errc get_enum_next_hops(EntityHandle caller, EnumHandle e, std::uint32_t* count,
                          NextHopHandle* next_hops);
  errc delete_enum(EntityHandle caller, EnumHandle e);

  // ---- route lists ----------------------------------------------------------------------
  //
  // A route list groups some of an entity's own routes (a route is in at
  // most one list). Deleting a route takes it out of its list; deleting a
  // list leaves its routes in the table.
  errc create_route_list(EntityHandle caller, RouteListHandle* out);
  // Moves the routes (the caller's own, not deleted) into `list`, or out of
  // any list when `list` is null. All or nothing.
  errc insert_in_route_list(EntityHandle caller, RouteListHandle list,
                            std::span<const RouteHandle> routes);
  // An enumeration of the list's routes as they are now (see above).
  errc create_route_list_enum(EntityHandle caller, RouteListHandle list, EnumHandle* out);
  errc get_list_enum_routes(EntityHandle caller, EnumHandle e, std::uint32_t* count,
                            RouteHandle* routes);
  errc delete_route_list(EntityHandle caller, RouteListHandle list);

  // ---- entity methods -------------------------------------------------------------------

  // *count: in = capacity of `methods` (may be 0 to ask), out = how many
  // `entity` exports (insufficient_buffer if more than the capacity).
  errc get_entity_methods(EntityHandle caller, EntityHandle entity, std::uint32_t* count,
                          EntityMethod* methods);
  // Runs the callee's methods named by calls[i].method_type (one bit each),
  // in order, as one invocation: a block_methods by the callee waits for
  // it to finish, and it does not start while the callee's methods are
  // blocked (it waits for the resume; invalid_handle if the callee
  // deregisters meanwhile). invalid_parameter for a bit naming no method.
  errc invoke_methods(EntityHandle caller, EntityHandle callee, std::span<MethodCall> calls);
  // kBlockMethods: returns once no invocation of the caller's methods is
  // running, and holds off new ones until kResumeMethods. Called from inside
  // one of the caller's own methods it would wait for itself: refused with
  // invalid_parameter.
  errc block_methods(EntityHandle caller, std::uint32_t blocking_flag);

  // ---- client locks and opaque pointers -----------------------------------------------
  //
  // RTMv2's object locks: a reader-writer lock per destination, route and
  // next hop for clients that want to read or edit client-side state
  // consistently. They serialise the clients that take them; they do not
  // stop the library's own writers (add/delete take the destination's
  // internal lock, never these), and readers that do not lock never wait.
  // Unlocking what is not locked in that mode is invalid_parameter.
  errc lock_dest(EntityHandle caller, DestHandle dest, bool exclusive, bool lock);
  errc lock_route(EntityHandle caller, RouteHandle route, bool exclusive, bool lock);
  errc lock_next_hop(EntityHandle caller, NextHopHandle next_hop, bool exclusive, bool lock);
  // The owner, holding `route` locked exclusively, commits new attributes
  // (pref, flags1, flags, views, entity_specific_info, next_hops) and
  // unlocks. time_to_live and list as in add_route.
  errc update_and_unlock_route(EntityHandle caller, RouteHandle route, const RouteInfo& info,
                               std::uint32_t time_to_live, RouteListHandle list,
                               RouteChangeFlags* change_flags);
  // The caller's opaque slot on `dest` (the caller must have registered
  // with reserve_opaque_pointer; invalid_parameter otherwise). The slot
  // starts null; read and write it only while holding `dest` locked.
  errc get_opaque_pointer(EntityHandle caller, DestHandle dest, void*** slot);

  // ---- reference counting ------------------------------------------------------------

  // Adds one reference, owned by the caller, to each handle (entity,
  // destination, route or next hop; a notification, enumeration or route
  // list handle is invalid_handle: those are deleted, not released). All
  // handles are validated first: on error no count changes. Any live handle
  // of the instance may be referenced (the caller need not hold it yet:
  // handles are validated against the slot table, so this is safe).
  errc reference_handles(EntityHandle caller, std::span<const AnyHandle> handles);
  // Drops one reference from each handle (any kind); all-or-nothing as above.
  errc dereference_handles(EntityHandle caller, std::span<const AnyHandle> handles);

  // ---- introspection -----------------------------------------------------------------

  // Number of destinations currently in the table of `family`.
  std::size_t dest_count(Family family) const;
  // What the instance holds and the bytes it uses (rtm/stats.h): counts
  // per family, bytes per object kind, every entity's routes, next hops
  // and references held, every registration's queue depth. Any thread, no
  // caller entity (a monitoring thread may call it). invalid_parameter
  // for a null `out`; not_enough_memory if the vectors cannot be filled.
  errc stats(InstanceStats* out) const;

  // Invocations of `entity`'s methods waiting for a resume (for tests).
  std::size_t method_waiters(EntityHandle entity) const;

 private:
  // The library's own code that is not a member reaches the core through
  // detail::InstanceAccess (an internal header); nothing of it is public.
  friend struct detail::InstanceAccess;
  detail::Core* core_;
};

// Process-wide counters of objects allocated and freed by the library, by
// kind (for tests and stress runs: after every instance is destroyed and
// reclaim_all() has run, allocated == freed).
struct ObjectCounters {
  std::int64_t allocated[8] = {};
  std::int64_t freed[8] = {};
};
ObjectCounters object_counters() noexcept;

// Frees every retired object the calling thread can free now (a hazard
// pointer scan, including the retired lists of threads that have exited).
// Tests call it before comparing object_counters().
void reclaim_all();

}  // namespace rtm
