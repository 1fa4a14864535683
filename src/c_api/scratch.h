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
// end of the C++ call) gets a fresh one of its own.
#pragma once

#include <optional>

#include <rtm/info.h>

#include "detail/tls.h"

namespace rtm::c_api {

class ScratchDestInfo {
 public:
  ScratchDestInfo() noexcept {
    if (!t_busy) {
      t_busy = true;
      info_ = &t_info;
    } else {
      info_ = &own_.emplace();
    }
  }
  ~ScratchDestInfo() {
    if (info_ == &t_info) t_busy = false;
  }
  ScratchDestInfo(const ScratchDestInfo&) = delete;
  ScratchDestInfo& operator=(const ScratchDestInfo&) = delete;

  DestInfo& operator*() const noexcept { return *info_; }
  DestInfo* operator->() const noexcept { return info_; }
  DestInfo* get() const noexcept { return info_; }

 private:
  static inline thread_local DestInfo t_info RTM_TLS_IE;
  static inline constinit thread_local bool t_busy RTM_TLS_IE = false;
  DestInfo* info_;
  std::optional<DestInfo> own_;
};

}  // namespace rtm::c_api
