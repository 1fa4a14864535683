// NetAddress: parsing, validation (host bits rejected), covering.
#include <gtest/gtest.h>
#include <rtm/address.h>

using rtm::Family;
using rtm::NetAddress;
using rtm::errc;

TEST(NetAddress, ParsesBothFamiliesWithAndWithoutLength) {
  auto a = NetAddress::parse("192.0.2.0/24");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family(), Family::ipv4);
  EXPECT_EQ(a->length(), 24u);
  EXPECT_EQ(a->to_string(), "192.0.2.0/24");
  auto h = NetAddress::parse("192.0.2.7");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->length(), 32u);
  auto b = NetAddress::parse("2001:db8::/32");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->family(), Family::ipv6);
  EXPECT_EQ(b->length(), 32u);
  EXPECT_EQ(b->to_string(), "2001:db8::/32");
}

TEST(NetAddress, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4/33", "2001:db8::/129", "10.0.0.0/-1",
                          "10.0.0.0/", "x/8", "10.1.2.3/8", "2001:db8::1/32"})
    EXPECT_FALSE(NetAddress::parse(bad)) << bad;
}

TEST(NetAddress, MakeRejectsHostBitsBeyondTheLength) {
  const std::uint8_t b[16] = {10, 1, 2, 3};
  NetAddress out;
  EXPECT_EQ(NetAddress::make(Family::ipv4, b, 8, &out), errc::invalid_parameter);
  EXPECT_EQ(NetAddress::make(Family::ipv4, b, 32, &out), errc::ok);
  EXPECT_EQ(out.to_string(), "10.1.2.3/32");
}

// Every host bit counts, at each position of a partial byte and past it.
TEST(NetAddress, MakeChecksEachHostBitOfAPartialByteAndTheBytesAfter) {
  for (unsigned len = 0; len < 128; ++len) {
    for (unsigned bit = 0; bit < 128; ++bit) {
      std::uint8_t b[16] = {};
      b[bit / 8] = static_cast<std::uint8_t>(0x80u >> (bit % 8));
      NetAddress out;
      EXPECT_EQ(NetAddress::make(Family::ipv6, b, len, &out),
                bit < len ? errc::ok : errc::invalid_parameter)
          << "length " << len << ", bit " << bit;
      if (bit < 32 && len <= 32) {
        EXPECT_EQ(NetAddress::make(Family::ipv4, b, len, &out),
                  bit < len ? errc::ok : errc::invalid_parameter)
            << "IPv4 length " << len << ", bit " << bit;
      }
    }
  }
}

TEST(NetAddress, MakeRejectsBadFamilyLengthAndNullBytes) {
  const std::uint8_t b[16] = {};
  NetAddress out;
  EXPECT_EQ(NetAddress::make(static_cast<Family>(7), b, 8, &out), errc::invalid_parameter);
  EXPECT_EQ(NetAddress::make(Family::ipv4, b, 33, &out), errc::invalid_parameter);
  EXPECT_EQ(NetAddress::make(Family::ipv6, b, 129, &out), errc::invalid_parameter);
  EXPECT_EQ(NetAddress::make(Family::ipv4, nullptr, 8, &out), errc::invalid_parameter);
  EXPECT_EQ(NetAddress::make(Family::ipv4, nullptr, 0, &out), errc::ok);
  EXPECT_EQ(NetAddress::make(Family::ipv6, b, 128, &out), errc::ok);
}

TEST(NetAddress, MakeMaskedClearsHostBits) {
  const std::uint8_t b[16] = {10, 1, 2, 3};
  EXPECT_EQ(NetAddress::make_masked(Family::ipv4, b, 12).to_string(), "10.0.0.0/12");
}

TEST(NetAddress, CoversAndTruncated) {
  auto p8 = *NetAddress::parse("10.0.0.0/8");
  auto p16 = *NetAddress::parse("10.1.0.0/16");
  auto other = *NetAddress::parse("11.0.0.0/16");
  auto v6 = *NetAddress::parse("::/0");
  EXPECT_TRUE(p8.covers(p16));
  EXPECT_FALSE(p16.covers(p8));
  EXPECT_TRUE(p8.covers(p8));
  EXPECT_FALSE(p8.covers(other));
  EXPECT_FALSE(v6.covers(p8)) << "families never cover each other";
  EXPECT_EQ(p16.truncated(8), p8);
  EXPECT_EQ(NetAddress::ipv4(0x0A010000u, 16), p16);
}

TEST(NetAddress, DefaultIsTheIpv4DefaultRoute) {
  NetAddress d;
  EXPECT_EQ(d.family(), Family::ipv4);
  EXPECT_EQ(d.length(), 0u);
  EXPECT_EQ(d.to_string(), "0.0.0.0/0");
}
