// rtm/rtm.h — umbrella header of the rtm C++ API.
#pragma once

#include <rtm/address.h>
#include <rtm/error.h>
#include <rtm/info.h>
#include <rtm/instance.h>
#include <rtm/types.h>
#include <rtm/raii.h>
#include <rtm/stats.h>
