// detail/tls.h — the TLS model of librtm's own thread_locals.
//
// librtm's thread_locals (the hazard-pointer record, scope depth, deferred
// call-outs, read-section slots, callback depths, the owned-set shard) are read on every API
// call. In a shared library the default TLS model reaches each through a
// __tls_get_addr call; initial-exec makes each one a load of its offset
// and an %fs-relative access. They take ~220 bytes of the static TLS
// surplus glibc keeps for libraries loaded by dlopen
// (tests/install_consumer loads librtm that way).
//
// Per variable, never as a compiler flag: -ftls-model=initial-exec would
// also apply to other libraries' thread_locals that librtm's code touches
// (libstdc++'s std::__once_call behind std::call_once), forcing their TLS
// into the static block too, which makes a dlopen of librtm fail in a
// process that loaded libstdc++ by dlopen earlier ("cannot allocate memory
// in static TLS block"; found by a second reader).
#pragma once

#define RTM_TLS_IE __attribute__((tls_model("initial-exec")))
