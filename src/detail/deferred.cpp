#include "detail/deferred.h"
#include "detail/tls.h"

#include "detail/fault.h"

namespace rtm::detail {
namespace {

struct Node {
  DeferredFn fn;
  void* arg;
  Node* next;
};

thread_local Node* t_head RTM_TLS_IE = nullptr;
thread_local Node* t_tail RTM_TLS_IE = nullptr;
thread_local bool t_running RTM_TLS_IE = false;

}  // namespace

bool defer_call(DeferredFn fn, void* arg) noexcept {
  for (const Node* n = t_head; n != nullptr; n = n->next)
    if (n->fn == fn && n->arg == arg) return false;
  Node* n = nothrow_new<Node>(Node{fn, arg, nullptr});
  if (n == nullptr) {
    fn(arg);  // out of memory: the call-out is not lost, it runs here
    return true;
  }
  if (t_tail != nullptr)
    t_tail->next = n;
  else
    t_head = n;
  t_tail = n;
  return true;
}

void run_deferred() noexcept {
  if (t_running) return;
  t_running = true;
  while (Node* n = t_head) {
    t_head = n->next;
    if (t_head == nullptr) t_tail = nullptr;
    const DeferredFn fn = n->fn;
    void* const arg = n->arg;
    delete n;
    fn(arg);
  }
  t_running = false;
}

}  // namespace rtm::detail
