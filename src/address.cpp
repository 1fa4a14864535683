#include <rtm/address.h>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rtm {

errc NetAddress::make(Family family, const std::uint8_t* bytes, unsigned length,
                      NetAddress* out) noexcept {
  const unsigned width = family_bits(family);
  if (width == 0 || length > width || out == nullptr) return errc::invalid_parameter;
  if (bytes == nullptr && length > 0) return errc::invalid_parameter;
  NetAddress a;
  a.family_ = static_cast<std::uint16_t>(family);
  a.length_ = static_cast<std::uint8_t>(length);
  if (bytes != nullptr) std::memcpy(a.bytes_, bytes, width / 8);
  // Host bits beyond the length must be zero: rejected, not masked. By
  // bytes (bit i is bit 7 - i % 8 of byte i / 8): every call that takes a
  // prefix checks it.
  unsigned i = length / 8;
  if (length % 8 != 0 && (a.bytes_[i++] & (0xFFu >> (length % 8))) != 0)
    return errc::invalid_parameter;
  for (; i < width / 8; ++i)
    if (a.bytes_[i] != 0) return errc::invalid_parameter;
  *out = a;
  return errc::ok;
}

NetAddress NetAddress::make_masked(Family family, const std::uint8_t* bytes,
                                   unsigned length) noexcept {
  NetAddress a;
  const unsigned width = family_bits(family);
  a.family_ = static_cast<std::uint16_t>(family);
  if (width == 0) return NetAddress{};
  if (length > width) length = width;
  a.length_ = static_cast<std::uint8_t>(length);
  if (bytes != nullptr) std::memcpy(a.bytes_, bytes, width / 8);
  return a.truncated(length);
}

NetAddress NetAddress::ipv4(std::uint32_t host_order_addr, unsigned length) noexcept {
  std::uint8_t b[4] = {static_cast<std::uint8_t>(host_order_addr >> 24),
                       static_cast<std::uint8_t>(host_order_addr >> 16),
                       static_cast<std::uint8_t>(host_order_addr >> 8),
                       static_cast<std::uint8_t>(host_order_addr)};
  return make_masked(Family::ipv4, b, length);
}

std::optional<NetAddress> NetAddress::parse(std::string_view text) {
  std::string addr(text);
  unsigned length = 0;
  bool has_length = false;
  if (auto slash = addr.find('/'); slash != std::string::npos) {
    const char* first = addr.data() + slash + 1;
    const char* last = addr.data() + addr.size();
    auto [p, ec] = std::from_chars(first, last, length);
    if (ec != std::errc() || p != last || first == last) return std::nullopt;
    has_length = true;
    addr.resize(slash);
  }
  std::uint8_t buf[16] = {};
  Family f;
  if (addr.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, addr.c_str(), buf) != 1) return std::nullopt;
    f = Family::ipv6;
  } else {
    if (inet_pton(AF_INET, addr.c_str(), buf) != 1) return std::nullopt;
    f = Family::ipv4;
  }
  if (!has_length) length = family_bits(f);
  NetAddress out;
  if (make(f, buf, length, &out) != errc::ok) return std::nullopt;
  return out;
}

bool NetAddress::covers(const NetAddress& other) const noexcept {
  if (family_ != other.family_ || length_ > other.length_) return false;
  const unsigned full = length_ / 8;
  if (std::memcmp(bytes_, other.bytes_, full) != 0) return false;
  const unsigned rest = length_ % 8;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (bytes_[full] & mask) == (other.bytes_[full] & mask);
}

NetAddress NetAddress::truncated(unsigned length) const noexcept {
  NetAddress a = *this;
  const unsigned width = family_bits(family());
  if (length > width) length = width;
  a.length_ = static_cast<std::uint8_t>(length);
  const unsigned full = length / 8;
  const unsigned rest = length % 8;
  if (full < kMaxBytes) {
    if (rest != 0) a.bytes_[full] &= static_cast<std::uint8_t>(0xFF << (8 - rest));
    for (unsigned i = full + (rest != 0 ? 1 : 0); i < kMaxBytes; ++i) a.bytes_[i] = 0;
  }
  return a;
}

std::string NetAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == Family::ipv6)
    inet_ntop(AF_INET6, bytes_, buf, sizeof buf);
  else
    inet_ntop(AF_INET, bytes_, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(length_);
}

}  // namespace rtm
