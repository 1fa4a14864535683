// detail/deferred.h — client call-outs deferred to the end of the API call.
//
// A client callback may call the API again, to any depth. If it ran inside
// the API call that caused it, every level would hold that call's hazard
// pointers (a thread has 16) while the client runs: a chain a few levels
// deep exhausts them. So a call-out that can wait (a change-notification
// signal) is queued here and run when the calling thread's outermost API
// call ends, from ~ThreadScope, after that call's guards are destroyed.
// Calls queued while the queue runs (by a callback's own API calls) join
// the same loop: a chain of any depth runs one callback after the other,
// with no hazard pointer and no stack frame of the earlier ones held.
//
// Per thread, FIFO, no synchronisation: only the owning thread touches its
// queue. The thread_locals are trivially destructible, so the queue stays
// usable while static destructors run (see detail/reclaim.cpp).
#pragma once

namespace rtm::detail {

// fn(arg) owns what `arg` keeps alive (e.g. a memory reference).
using DeferredFn = void (*)(void* arg) noexcept;

// Queues fn(arg) for the end of the calling thread's outermost API call.
// Returns false, queuing nothing, if fn(arg) is pending on this thread
// already (it runs after this point, so the new one is redundant): the
// caller then keeps what `arg` owned. Out of memory: runs fn(arg) at once.
bool defer_call(DeferredFn fn, void* arg) noexcept;

// Runs the calling thread's queue, and what those calls queue, until it is
// empty. No-op when called from inside one of them (the running loop picks
// up new entries). Called by ~ThreadScope of the outermost scope.
void run_deferred() noexcept;

}  // namespace rtm::detail
