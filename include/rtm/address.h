// rtm/address.h — NetAddress: an IPv4 or IPv6 prefix (family, length, bytes).
//
// Validation rule: a NetAddress is valid when its family is IPv4 (AF_INET)
// or IPv6 (AF_INET6), its length is at most 32 or 128 bits, and every bit
// beyond the length is zero. Host bits beyond the length are REJECTED
// (errc::invalid_parameter), never silently masked: a route for 10.1.2.3/8
// is almost always a configuration mistake, and masking would hide it.
// Bytes are in network order, prefix bits first.
//
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <rtm/error.h>

namespace rtm {

enum class Family : std::uint16_t {
  ipv4 = 2,   // AF_INET
  ipv6 = 10,  // AF_INET6 on Linux (Windows uses 23)
};

// Width of the family's addresses in bits (32 or 128); 0 for an unknown family.
constexpr unsigned family_bits(Family f) noexcept {
  return f == Family::ipv4 ? 32u : f == Family::ipv6 ? 128u : 0u;
}

class NetAddress {
 public:
  static constexpr unsigned kMaxBytes = 16;

  // The IPv4 default route 0.0.0.0/0.
  constexpr NetAddress() noexcept = default;

  // Builds a prefix from family, bytes (family_bits/8 bytes are read; only
  // the first ceil(length/8) may be non-zero) and length. Returns
  // invalid_parameter for an unknown family, a length beyond the family's
  // width, non-zero host bits, or a null `bytes` with length > 0.
  static errc make(Family family, const std::uint8_t* bytes, unsigned length,
                   NetAddress* out) noexcept;

  // As make(), but masks host bits instead of rejecting them. For lookup
  // keys derived from full addresses (e.g. less-specific search).
  static NetAddress make_masked(Family family, const std::uint8_t* bytes, unsigned length) noexcept;

  // Parses "192.0.2.0/24", "2001:db8::/32", or a bare address (full length).
  static std::optional<NetAddress> parse(std::string_view text);

  // An IPv4 prefix from a host-order 32-bit address; asserts validity in
  // debug builds only — use make() for untrusted input.
  static NetAddress ipv4(std::uint32_t host_order_addr, unsigned length) noexcept;

  Family family() const noexcept { return static_cast<Family>(family_); }
  unsigned length() const noexcept { return length_; }
  const std::uint8_t* bytes() const noexcept { return bytes_; }

  // True if the bit at position i (0 = most significant) is set.
  bool bit(unsigned i) const noexcept { return (bytes_[i >> 3] >> (7 - (i & 7))) & 1u; }

  // True if this prefix covers `other` (same family, shorter or equal
  // length, same leading bits).
  bool covers(const NetAddress& other) const noexcept;

  // The same address truncated to `length` bits (host bits cleared).
  NetAddress truncated(unsigned length) const noexcept;

  std::string to_string() const;

  friend bool operator==(const NetAddress& a, const NetAddress& b) noexcept {
    return a.family_ == b.family_ && a.length_ == b.length_ &&
           std::memcmp(a.bytes_, b.bytes_, kMaxBytes) == 0;
  }

 private:
  std::uint16_t family_ = static_cast<std::uint16_t>(Family::ipv4);
  std::uint8_t length_ = 0;
  std::uint8_t pad_ = 0;
  std::uint8_t bytes_[kMaxBytes] = {};
};

}  // namespace rtm
