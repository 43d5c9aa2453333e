// The host emulator's device: one process per EmulatedDriver. It maps the driver's device-memory
// file at the same fixed address the driver hands out as device pointers, loads kernel modules
// with dlopen and runs launches that arrive as lines on stdin, answering one line on stdout.
//
// Blocks are spread over worker threads; inside a block every CUDA thread is a fiber
// on the worker, so __syncthreads and warp barriers are cooperative switches, and a barrier that
// can never complete is reported instead of hanging. A memory fault prints "fault ..." and exits.
//
// Commands (numbers in hex):  M off len | U off len | O path | L mod kernel gx gy gz bx by bz
// shared a0 a1 ... | Q.  Replies: "ok ..." or "err <reason>".
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <fcntl.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emu_abi.h"

namespace {

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kPage = 4096;
constexpr unsigned kMaxThreads = 1024;
// sm_90's opt-in maximum per block; the driver holds a launch to its reported device's own.
constexpr size_t kMaxSharedBytes = 227 * 1024;

enum State : unsigned char { NOT_STARTED, READY, WAIT_BLOCK, WAIT_WARP, DONE };

struct Launch {
  const EmuModule* module;
  const EmuKernel* kernel;
  dim3 grid, block;
  size_t shared;
  std::vector<uint64_t> args;
  uint64_t blocks;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_lock;
  std::string error;

  void fail(const std::string& why) {
    std::lock_guard<std::mutex> g(error_lock);
    if (!failed.exchange(true)) error = why;
  }
};

// A fiber switch. On x86-64 it saves the callee-saved registers and the FP control words on the
// old stack and loads the new one: glibc's swapcontext also saves the signal mask with a system
// call per switch, and tensor-core kernels switch twice per mma.sync.
#if defined(__x86_64__)
extern "C" void emu_switch(void** save_sp, void* load_sp);
asm(R"(
  .text
  .globl emu_switch
  .type emu_switch, @function
emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size emu_switch, .-emu_switch
)");
struct Context {
  void* sp = nullptr;
};
void fiber_main();
[[noreturn]] void fiber_entry();
// A stack that emu_switch enters at fiber_entry, as if called: the return address sits at a
// 16-byte boundary, under the six registers and the control words emu_switch restores.
void start_context(Context* c, char* stack, size_t bytes) {
  uintptr_t top = ((uintptr_t)(stack + bytes)) & ~(uintptr_t)15;
  void** sp = (void**)(top - 16);
  *sp = (void*)fiber_entry;
  for (int i = 0; i < 6; i++) *--sp = nullptr;
  uint32_t words[2] = {0, 0};
  asm volatile("stmxcsr %0" : "=m"(words[0]));
  asm volatile("fnstcw %0" : "=m"(words[1]));
  --sp;
  memcpy(sp, words, 8);
  c->sp = sp;
}
inline void switch_context(Context* save, Context* load) { emu_switch(&save->sp, load->sp); }
#else
struct Context {
  ucontext_t uc;
};
void fiber_main();
void start_context(Context* c, char* stack, size_t bytes) {
  getcontext(&c->uc);
  c->uc.uc_stack.ss_sp = stack;
  c->uc.uc_stack.ss_size = bytes;
  c->uc.uc_link = nullptr;  // fiber_main switches back itself
  makecontext(&c->uc, fiber_main, 0);
}
inline void switch_context(Context* save, Context* load) { swapcontext(&save->uc, &load->uc); }
#endif

struct Fiber {
  Context ctx;
  char* stack = nullptr;
  State state = NOT_STARTED;
  unsigned warp_mask = 0;
};

struct Worker {
  Context sched;
  std::vector<Fiber> fibers;
  std::vector<EmuThread> threads;
  std::vector<char*> free_stacks;
  std::vector<uint64_t> exchange;
  std::vector<unsigned char> smem;
  EmuBlock block;
  Launch* launch = nullptr;
  int current = -1;
  std::vector<char> alt_stack = std::vector<char>(64 * 1024);
};

thread_local Worker* tls_worker;
char g_kernel[256];  // the running kernel's name, for the fault handler
char g_reason[512];  // why a module stopped the device (EmuHost::fail), for the fault handler

char* take_stack(Worker* w) {
  if (!w->free_stacks.empty()) {
    char* s = w->free_stacks.back();
    w->free_stacks.pop_back();
    return s;
  }
  // A guard page below each stack turns a kernel's stack overflow into a reported fault.
  char* m = (char*)mmap(nullptr, kStackBytes + kPage, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) { perror("mmap stack"); _exit(71); }
  mprotect(m, kPage, PROT_NONE);
  return m + kPage;
}

void fiber_main() {
  Worker* w = tls_worker;
  w->launch->kernel->invoke(w->launch->args.data());
  w->fibers[w->current].state = DONE;
  switch_context(&w->fibers[w->current].ctx, &w->sched);  // never resumed
  abort();
}
#if defined(__x86_64__)
void fiber_entry() {
  fiber_main();
  abort();
}
#endif

void suspend(State why, unsigned mask) {
  Worker* w = tls_worker;
  Fiber& f = w->fibers[w->current];
  f.state = why;
  f.warp_mask = mask;
  switch_context(&f.ctx, &w->sched);
}
void sync_block() { suspend(WAIT_BLOCK, 0); }
void sync_warp(unsigned mask) { suspend(WAIT_WARP, mask); }
void yield() { suspend(READY, 0); }
[[noreturn]] void fail(const char* why) {
  snprintf(g_reason, sizeof g_reason, "%s", why);
  abort();  // the fault handler reports it, with the kernel, block and thread
}
const EmuHost kHost = {sync_block, sync_warp, fail, yield};

std::string fmt_dim(const uint3& d) {
  return "(" + std::to_string(d.x) + ", " + std::to_string(d.y) + ", " + std::to_string(d.z) + ")";
}

// Releases the barriers every live thread of their scope has reached. False when none can be
// released although threads still wait: a barrier in divergent code, which hangs a real GPU.
bool release_barriers(Worker* w, unsigned n, std::string* why) {
  unsigned live = 0, at_block = 0;
  for (unsigned t = 0; t < n; t++) {
    if (w->fibers[t].state != DONE) live++;
    if (w->fibers[t].state == WAIT_BLOCK) at_block++;
  }
  bool released = false;
  if (at_block > 0 && at_block == live) {
    // Threads that returned stay returned: a GPU's barrier counts only those still running.
    for (unsigned t = 0; t < n; t++)
      if (w->fibers[t].state == WAIT_BLOCK) w->fibers[t].state = READY;
    return true;
  }
  for (unsigned base = 0; base < n; base += 32) {
    unsigned end = base + 32 < n ? base + 32 : n, live_w = 0, waiting = 0, exited = 0, mask = 0;
    for (unsigned t = base; t < end; t++) {
      State s = w->fibers[t].state;
      if (s == DONE) exited |= 1u << (t - base);
      else live_w++;
      if (s == WAIT_WARP) { waiting++; mask |= w->fibers[t].warp_mask; }
    }
    if (waiting == 0 || waiting != live_w) continue;
    if (mask & exited) {
      *why = "warp " + std::to_string(base / 32) + " reached a shuffle or __syncwarp whose mask "
             "names lanes that have already returned (undefined behaviour on a GPU)";
      return false;
    }
    for (unsigned t = base; t < end; t++)
      if (w->fibers[t].state == WAIT_WARP) w->fibers[t].state = READY;
    released = true;
  }
  if (!released)
    *why = std::to_string(at_block) + " of " + std::to_string(live) + " live threads wait at "
           "__syncthreads and the rest at warp barriers; no barrier can complete (a barrier in "
           "divergent code?)";
  return released;
}

void run_block(Worker* w, uint64_t linear) {
  Launch* L = w->launch;
  w->block.block_idx = {(unsigned)(linear % L->grid.x),
                        (unsigned)(linear / L->grid.x % L->grid.y),
                        (unsigned)(linear / ((uint64_t)L->grid.x * L->grid.y))};
  unsigned n = w->block.threads;
  for (unsigned t = 0; t < n; t++) w->fibers[t].state = NOT_STARTED;
  unsigned live = n;
  while (true) {
    for (unsigned t = 0; t < n; t++) {
      Fiber& f = w->fibers[t];
      if (f.state == NOT_STARTED) {
        f.stack = take_stack(w);
        start_context(&f.ctx, f.stack, kStackBytes);
        f.state = READY;
      }
      if (f.state != READY) continue;
      w->current = (int)t;
      L->module->bind(&w->threads[t]);
      switch_context(&w->sched, &f.ctx);
      if (f.state == DONE) {
        w->free_stacks.push_back(f.stack);
        live--;
      }
    }
    if (live == 0) break;
    bool spinning = false;  // a thread that yielded runs again in the next round
    for (unsigned t = 0; t < n; t++) spinning |= w->fibers[t].state == READY;
    std::string why;
    if (!release_barriers(w, n, &why) && !spinning) {
      L->fail("block " + fmt_dim(w->block.block_idx) + ": " + why);
      // The suspended fibers are abandoned; their stacks go back to the pool.
      for (unsigned t = 0; t < n; t++)
        if (w->fibers[t].state != DONE) w->free_stacks.push_back(w->fibers[t].stack);
      break;
    }
  }
  w->current = -1;
}

void run_blocks(Worker* w, Launch* L) {
  tls_worker = w;
  w->launch = L;
  unsigned n = L->block.x * L->block.y * L->block.z;
  w->block.block_dim = L->block;
  w->block.grid_dim = L->grid;
  w->block.threads = n;
  if (w->fibers.size() < n) w->fibers.resize(n);
  w->threads.resize(n);
  w->exchange.assign(n, 0);
  if (w->smem.size() < L->shared) w->smem.resize(L->shared);
  w->block.dyn_smem = w->smem.data();
  w->block.dyn_bytes = L->shared;
  w->block.exchange = w->exchange.data();
  for (unsigned t = 0; t < n; t++)
    w->threads[t] = {{t % L->block.x, t / L->block.x % L->block.y, t / (L->block.x * L->block.y)},
                     t, &w->block};
  for (uint64_t b; !L->failed && (b = L->next.fetch_add(1)) < L->blocks;) run_block(w, b);
}

void install_alt_stack(Worker* w) {
  stack_t ss = {};
  ss.ss_sp = w->alt_stack.data();
  ss.ss_size = w->alt_stack.size();
  sigaltstack(&ss, nullptr);
}

// Worker threads beside the main thread; each launch wakes them through a generation counter.
struct Pool {
  std::vector<std::thread> threads;
  std::mutex m;
  std::condition_variable cv, done_cv;
  Launch* launch = nullptr;
  uint64_t generation = 0;
  unsigned busy = 0;

  explicit Pool(unsigned helpers) {
    for (unsigned i = 0; i < helpers; i++) threads.emplace_back([this] { loop(); });
  }
  void loop() {
    Worker w;
    install_alt_stack(&w);
    uint64_t seen = 0;
    while (true) {
      Launch* L;
      {
        std::unique_lock<std::mutex> g(m);
        cv.wait(g, [&] { return generation != seen; });
        seen = generation;
        L = launch;
      }
      run_blocks(&w, L);
      std::lock_guard<std::mutex> g(m);
      if (--busy == 0) done_cv.notify_all();
    }
  }
  void run(Worker* main_worker, Launch* L) {
    bool helpers = L->blocks > 1 && !threads.empty();
    if (helpers) {
      std::lock_guard<std::mutex> g(m);
      launch = L;
      busy = (unsigned)threads.size();
      generation++;
      cv.notify_all();
    }
    run_blocks(main_worker, L);
    if (helpers) {
      std::unique_lock<std::mutex> g(m);
      done_cv.wait(g, [&] { return busy == 0; });
    }
  }
};

// Async-signal-safe text output for the fault handler.
struct Out {
  char buf[600];
  size_t n = 0;
  void str(const char* s) { while (*s && n < sizeof buf - 1) buf[n++] = *s++; }
  void num(uint64_t v, int base) {
    char tmp[24];
    int k = 0;
    do { tmp[k++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
    while (k) { if (n < sizeof buf - 1) buf[n++] = tmp[--k]; else k--; }
  }
  void dim(const uint3& d) {
    str("("); num(d.x, 10); str(", "); num(d.y, 10); str(", "); num(d.z, 10); str(")");
  }
};

void on_fault(int sig, siginfo_t* info, void*) {
  Out o;
  o.str("fault ");
  o.num((uint64_t)(uintptr_t)info->si_addr, 16);
  o.str(" ");
  o.str(sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE"
        : sig == SIGILL ? "SIGILL" : "SIGABRT");
  o.str(" ");
  o.str(g_kernel);
  Worker* w = tls_worker;
  if (w && w->current >= 0) {
    o.str(" block ");
    o.dim(w->block.block_idx);
    o.str(" thread ");
    o.dim(w->threads[w->current].thread_idx);
  }
  if (g_reason[0]) {
    o.str(" -- ");
    o.str(g_reason);
  }
  o.str("\n");
  ssize_t ignored = write(1, o.buf, o.n);
  (void)ignored;
  _exit(70);
}

void install_fault_handler() {
  struct sigaction sa = {};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, nullptr);
}

void reply(const std::string& s) {
  fputs(s.c_str(), stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

uint64_t hex(char** p) { return strtoull(*p, p, 16); }

std::string launch_cmd(char* p, const std::vector<const EmuModule*>& modules, Worker* main_worker,
                       Pool* pool) {
  uint64_t mod = hex(&p), k = hex(&p);
  if (mod >= modules.size()) return "err no module " + std::to_string(mod);
  Launch L;
  L.module = modules[mod];
  L.kernel = &L.module->kernels[k];
  L.grid = {(unsigned)hex(&p), (unsigned)hex(&p), (unsigned)hex(&p)};
  L.block = {(unsigned)hex(&p), (unsigned)hex(&p), (unsigned)hex(&p)};
  L.shared = hex(&p);
  size_t nargs = strlen(L.kernel->sig);
  for (size_t i = 0; i < nargs; i++) L.args.push_back(hex(&p));
  uint64_t threads = (uint64_t)L.block.x * L.block.y * L.block.z;
  if (threads == 0 || threads > kMaxThreads || L.block.z > 64)
    return "err block " + fmt_dim({L.block.x, L.block.y, L.block.z}) +
           " must have 1 to 1024 threads (and z <= 64)";
  if (L.grid.x == 0 || L.grid.y == 0 || L.grid.z == 0 || L.grid.x > 0x7fffffffu ||
      L.grid.y > 65535 || L.grid.z > 65535)
    return "err grid " + fmt_dim({L.grid.x, L.grid.y, L.grid.z}) +
           " is out of range (x 1..2^31-1, y and z 1..65535)";
  if (L.shared > kMaxSharedBytes)
    return "err " + std::to_string(L.shared) + " bytes of dynamic shared memory exceed " +
           std::to_string(kMaxSharedBytes);
  L.blocks = (uint64_t)L.grid.x * L.grid.y * L.grid.z;
  snprintf(g_kernel, sizeof g_kernel, "%s", L.kernel->name);
  pool->run(main_worker, &L);
  g_kernel[0] = 0;
  return L.failed ? "err " + L.error : "ok";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: emu_runner <memory file> <base hex> <size hex> <workers>\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR);
  if (fd < 0) { perror(argv[1]); return 3; }
  uintptr_t base = strtoull(argv[2], nullptr, 16);
  size_t size = strtoull(argv[3], nullptr, 16);
  // All of device memory starts inaccessible; M opens an allocation's pages, U closes them.
  void* m = mmap((void*)base, size, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
  if (m != (void*)base) {
    fprintf(stderr, "cannot map device memory at %p: %s\n", (void*)base, strerror(errno));
    return 4;
  }
  close(fd);
  char* mem = (char*)m;
  // Outlive no driver: if the JVM dies while a kernel spins, stdin's EOF is never read.
  pid_t parent = getppid();
  std::thread([parent] {
    while (getppid() == parent) sleep(1);
    _exit(0);
  }).detach();
  Worker main_worker;
  install_alt_stack(&main_worker);
  install_fault_handler();
  unsigned workers = (unsigned)atoi(argv[4]);
  Pool pool(workers > 1 ? workers - 1 : 0);
  std::vector<const EmuModule*> modules;
  reply("ready");
  char* line = nullptr;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    char* p = line + 1;
    switch (line[0]) {
      case 'M': {
        uint64_t off = hex(&p), len = hex(&p);
        reply(mprotect(mem + off, len, PROT_READ | PROT_WRITE) == 0 ? "ok"
              : std::string("err mprotect: ") + strerror(errno));
        break;
      }
      case 'U': {
        uint64_t off = hex(&p), len = hex(&p);
        madvise(mem + off, len, MADV_REMOVE);  // gives the pages back to tmpfs
        reply(mprotect(mem + off, len, PROT_NONE) == 0 ? "ok"
              : std::string("err mprotect: ") + strerror(errno));
        break;
      }
      case 'O': {
        while (*p == ' ') p++;
        p[strcspn(p, "\n")] = 0;
        void* h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
        const EmuModule* mod = h ? (const EmuModule*)dlsym(h, "ember_emu_module") : nullptr;
        if (!mod) { reply(std::string("err ") + dlerror()); break; }
        if (mod->abi_version != EMU_ABI_VERSION) { reply("err module ABI mismatch"); break; }
        mod->attach(&kHost);
        modules.push_back(mod);
        std::string r = "ok " + std::to_string(modules.size() - 1);
        for (const EmuKernel* k = mod->kernels; k->name; k++)
          r += std::string(" ") + k->name + ":" + k->sig;
        reply(r);
        break;
      }
      case 'L': reply(launch_cmd(p, modules, &main_worker, &pool)); break;
      case 'Q': _exit(0);
      default: reply("err unknown command");
    }
  }
  _exit(0);  // stdin closed: the driver is gone; skip joining the pool
}
