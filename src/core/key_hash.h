// core/key_hash.h — the mixing functions of the destination and next-hop map keys.
#pragma once

#include <cstdint>
#include <cstring>

namespace rtm::detail {

inline std::uint64_t mix(std::uint64_t x) noexcept {
  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}
inline std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace rtm::detail
