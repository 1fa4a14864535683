// rtm/error.h — the one error enum of the C++ API.
//
// Every fallible call of the C++ API returns an rtm::errc. errc::ok is zero;
// every other value names one documented failure. The C API (rtmv2.h) maps
// each value to a Windows error code in one place (src/error.cpp), so the two
// APIs never disagree about what a failure means.
//
// Thread-safety: everything here is immutable and safe from any thread.
#pragma once

#include <cstdint>
#include <system_error>

namespace rtm {

enum class errc : int {
  ok = 0,
  invalid_handle,       // null, unknown, stale, forged, wrong-kind or other-instance handle
  invalid_parameter,    // null pointer, bad family/length/host bits, count out of range,
                        // release of a reference the caller does not hold, double release
  access_denied,        // operation on an object the caller does not own
  not_found,            // nothing matches a lookup
  no_more_items,        // an enumeration or queue is exhausted
  insufficient_buffer,  // caller's buffer too small; the needed count is reported
  not_enough_memory,    // allocation failed; nothing was changed
  not_supported,        // the operation is not supported
  no_system_resources,  // a fixed limit was reached (registrations, views, instances)
  cannot_complete,      // the object is being torn down (e.g. entity deregistering)
  already_exists,       // the entity is registered already
};

// The std::error_category of rtm::errc ("rtm").
const std::error_category& rtm_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), rtm_category()};
}

// A short, stable, human-readable name ("invalid_handle", ...).
const char* to_string(errc e) noexcept;

// The Windows error-code value the RTMv2 C API returns for e.
std::uint32_t to_win32(errc e) noexcept;

}  // namespace rtm

template <>
struct std::is_error_code_enum<rtm::errc> : std::true_type {};
