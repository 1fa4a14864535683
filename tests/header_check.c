/* Compiles rtmv2.h alone, then rtmv2_ext.h, as C11 with standard headers around them. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <rtmv2/rtmv2.h>
#include <rtmv2/rtmv2_ext.h>
#include <stdlib.h>

int rtmv2_header_check_c(void) { RTM_NET_ADDRESS a; memset(&a, 0, sizeof a); return (int)sizeof(RTM_DEST_INFO) + a.NumBits; }
