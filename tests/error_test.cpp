// errc: names, the std::error_code category and the Windows codes of the C API.
#include <gtest/gtest.h>
#include <rtm/error.h>

#include <set>
#include <string>

TEST(Errc, EveryValueHasADistinctNameAndWin32Code) {
  std::set<std::string> names;
  std::set<std::uint32_t> codes;
  for (int i = 0; i <= static_cast<int>(rtm::errc::already_exists); ++i) {
    const auto e = static_cast<rtm::errc>(i);
    names.insert(rtm::to_string(e));
    codes.insert(rtm::to_win32(e));
  }
  const auto n = static_cast<std::size_t>(rtm::errc::already_exists) + 1;
  EXPECT_EQ(names.size(), n);
  // already_exists shares ERROR_INVALID_PARAMETER with invalid_parameter
  // (RTMv2 reports a duplicate registration that way).
  EXPECT_EQ(codes.size(), n - 1);
}

TEST(Errc, Win32CodesAreTheDocumentedValues) {
  EXPECT_EQ(rtm::to_win32(rtm::errc::ok), 0u);
  EXPECT_EQ(rtm::to_win32(rtm::errc::invalid_handle), 6u);
  EXPECT_EQ(rtm::to_win32(rtm::errc::not_enough_memory), 8u);
  EXPECT_EQ(rtm::to_win32(rtm::errc::invalid_parameter), 87u);
  EXPECT_EQ(rtm::to_win32(rtm::errc::no_more_items), 259u);
  EXPECT_EQ(rtm::to_win32(rtm::errc::not_found), 1168u);
  EXPECT_EQ(rtm::to_win32(rtm::errc::already_exists), 87u);
}

TEST(Errc, WorksAsStdErrorCode) {
  std::error_code ec = rtm::errc::not_found;
  EXPECT_EQ(ec.category().name(), std::string("rtm"));
  EXPECT_TRUE(ec);
  EXPECT_FALSE(std::error_code(rtm::errc::ok));
  EXPECT_EQ(ec.message(), rtm::to_string(rtm::errc::not_found));
}
