// c_api/addresses.cpp — the Address helpers of rtmv2.h (IPv6 address and
// length <-> RTM_NET_ADDRESS); they touch no instance.
#include <rtmv2/rtmv2.h>

#include <cstring>

extern "C" {

DWORD WINAPI RtmConvertNetAddressToIpv6AddressAndLength(PRTM_NET_ADDRESS pNetAddress,
                                                        IN6_ADDR* pAddress, ULONG* pLength,
                                                        ULONG dwAddressSize) {
  // An IPv6 conversion: any other family is a bad address family.
  if (pNetAddress == nullptr || pAddress == nullptr || pLength == nullptr ||
      pNetAddress->AddressFamily != AF_INET6 || dwAddressSize > sizeof(IN6_ADDR) ||
      pNetAddress->NumBits > dwAddressSize * 8)
    return ERROR_INVALID_PARAMETER;
  std::memset(pAddress, 0, sizeof(IN6_ADDR));
  std::memcpy(pAddress, pNetAddress->AddrBits, dwAddressSize);
  *pLength = pNetAddress->NumBits;
  return NO_ERROR;
}

DWORD WINAPI RtmConvertIpv6AddressAndLengthToNetAddress(PRTM_NET_ADDRESS pNetAddress,
                                                        IN6_ADDR Address, ULONG dwLength,
                                                        ULONG dwAddressSize) {
  if (pNetAddress == nullptr || dwAddressSize > sizeof(IN6_ADDR) || dwLength > dwAddressSize * 8)
    return ERROR_INVALID_PARAMETER;
  pNetAddress->AddressFamily = AF_INET6;
  pNetAddress->NumBits = static_cast<USHORT>(dwLength);
  std::memset(pNetAddress->AddrBits, 0, RTM_MAX_ADDRESS_SIZE);
  std::memcpy(pNetAddress->AddrBits, &Address, dwAddressSize);
  return NO_ERROR;
}

}  // extern "C"
