// The one place that maps rtm::errc to names and to Windows error codes.
#include <rtm/error.h>

#include <string>

namespace rtm {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "rtm"; }
  std::string message(int v) const override { return to_string(static_cast<errc>(v)); }
};

}  // namespace

const std::error_category& rtm_category() noexcept {
  static const Category c;
  return c;
}

const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::invalid_handle: return "invalid_handle";
    case errc::invalid_parameter: return "invalid_parameter";
    case errc::access_denied: return "access_denied";
    case errc::not_found: return "not_found";
    case errc::no_more_items: return "no_more_items";
    case errc::insufficient_buffer: return "insufficient_buffer";
    case errc::not_enough_memory: return "not_enough_memory";
    case errc::not_supported: return "not_supported";
    case errc::no_system_resources: return "no_system_resources";
    case errc::cannot_complete: return "cannot_complete";
    case errc::already_exists: return "already_exists";
  }
  return "unknown";
}

std::uint32_t to_win32(errc e) noexcept {
  switch (e) {
    case errc::ok: return 0;                     // NO_ERROR
    case errc::access_denied: return 5;          // ERROR_ACCESS_DENIED
    case errc::invalid_handle: return 6;         // ERROR_INVALID_HANDLE
    case errc::not_enough_memory: return 8;      // ERROR_NOT_ENOUGH_MEMORY
    case errc::not_supported: return 50;         // ERROR_NOT_SUPPORTED
    case errc::invalid_parameter: return 87;     // ERROR_INVALID_PARAMETER
    case errc::already_exists: return 87;        // RTMv2 names no code: ERROR_INVALID_PARAMETER
    case errc::insufficient_buffer: return 122;  // ERROR_INSUFFICIENT_BUFFER
    case errc::no_more_items: return 259;        // ERROR_NO_MORE_ITEMS
    case errc::cannot_complete: return 1003;     // ERROR_CAN_NOT_COMPLETE
    case errc::not_found: return 1168;           // ERROR_NOT_FOUND
    case errc::no_system_resources: return 1450; // ERROR_NO_SYSTEM_RESOURCES
  }
  return 87;
}

}  // namespace rtm
