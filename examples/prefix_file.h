// examples/prefix_file.h — reads a prefix table ("PREFIX/LEN [ASN]" per
// line, optionally .xz-compressed) into NetAddresses. Shared by the demo
// and the benchmarks; not part of the library.
#pragma once

#include <rtm/address.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace rtm_examples {

struct PrefixEntry {
  rtm::NetAddress prefix;
  std::uint32_t origin_asn = 0;
};

// Reads every parseable line of `path` (decompressing .xz through `xz -dc`).
// Throws std::runtime_error if the file cannot be read at all.
inline std::vector<PrefixEntry> read_prefix_file(const std::string& path) {
  const bool xz = path.size() > 3 && path.compare(path.size() - 3, 3, ".xz") == 0;
  std::string cmd = xz ? "xz -dc -- '" + path + "'" : "";
  FILE* f = xz ? popen(cmd.c_str(), "r") : std::fopen(path.c_str(), "r");
  if (f == nullptr) throw std::runtime_error("cannot read " + path);
  std::vector<PrefixEntry> out;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    const auto sp = s.find(' ');
    PrefixEntry e;
    auto p = rtm::NetAddress::parse(s.substr(0, sp));
    if (!p) continue;
    e.prefix = *p;
    if (sp != std::string::npos) e.origin_asn = static_cast<std::uint32_t>(std::strtoul(s.c_str() + sp + 1, nullptr, 10));
    out.push_back(e);
  }
  const int rc = xz ? pclose(f) : std::fclose(f);
  if (rc != 0 || out.empty()) throw std::runtime_error("failed reading " + path);
  return out;
}

// A uniformly random full-length address inside prefix p (its host bits
// random). Shared by the benchmarks and the replay tool.
inline rtm::NetAddress random_address_in(const rtm::NetAddress& p, std::mt19937_64& rng) {
  std::uint8_t b[16];
  std::memcpy(b, p.bytes(), 16);
  const unsigned width = rtm::family_bits(p.family());
  for (unsigned i = p.length(); i < width; ++i)
    if (rng() & 1) b[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
  rtm::NetAddress a;
  rtm::NetAddress::make(p.family(), b, width, &a);
  return a;
}

}  // namespace rtm_examples
