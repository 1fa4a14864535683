// c_api/scratch.h — the C++ info a C call of one destination converts
// through, without constructing one per call.
//
// A DestInfo has room for every view (1.3 KB, value-initialised by its
// constructor); a C Get or Release of one info used to build one on each
// side, which cost more than the rest of the conversion. A thread's calls
// reuse one instead: a Get writes every field it answers with (the header
// and the views it fills, core/infos.cpp), a Release reads only what
// to_dest_info wrote. A C call made while the thread's one is in use (a
// change callback run inside another C call, since callbacks run at the
// end of the C++ call), or on a thread whose thread_local destructors have
// run, or without memory for it, gets a fresh one of its own.
//
// The thread's info is on the heap, made on first use and freed at thread
// exit: librtm's thread_locals are initial-exec TLS, which a dlopen()ed
// librtm must fit into glibc's small static TLS surplus
// (tests/install_consumer/consumer_dlopen.c), so 1.3 KB of it is too much.
#pragma once

#include <new>
#include <optional>

#include <rtm/fault_injection.h>
#include <rtm/info.h>

#include "detail/tls.h"

namespace rtm::c_api {

namespace scratch_detail {
inline constinit thread_local bool t_busy RTM_TLS_IE = false;
inline constinit thread_local bool t_gone RTM_TLS_IE = false;
// Frees the thread's info at thread exit; calls after that get their own.
struct Owner {
  DestInfo* info = nullptr;
  ~Owner() {
    delete info;
    info = nullptr;
    t_gone = true;
  }
};
inline thread_local Owner t_owner RTM_TLS_IE;
}  // namespace scratch_detail

class ScratchDestInfo {
 public:
  ScratchDestInfo() noexcept {
    using namespace scratch_detail;
    if (!t_busy && !t_gone) {
      DestInfo*& mine = t_owner.info;
      if (mine == nullptr && !fault_injection::allocation_fails())
        mine = new (std::nothrow) DestInfo;
      if (mine != nullptr) {
        t_busy = true;
        info_ = mine;
        return;
      }
    }
    info_ = &own_.emplace();
  }
  ~ScratchDestInfo() {
    if (!own_) scratch_detail::t_busy = false;
  }
  ScratchDestInfo(const ScratchDestInfo&) = delete;
  ScratchDestInfo& operator=(const ScratchDestInfo&) = delete;

  DestInfo& operator*() const noexcept { return *info_; }
  DestInfo* operator->() const noexcept { return info_; }
  DestInfo* get() const noexcept { return info_; }

 private:
  DestInfo* info_;
  std::optional<DestInfo> own_;
};

}  // namespace rtm::c_api
