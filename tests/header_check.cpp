// Compiles rtmv2.h alone, then rtmv2_ext.h, as C++17 with standard headers around them.
#include <cstdint>
#include <cstdio>
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>
#include <string>

int rtmv2_header_check_cxx() { RTM_NET_ADDRESS a{}; return static_cast<int>(sizeof(RTM_DEST_INFO)) + a.NumBits; }
