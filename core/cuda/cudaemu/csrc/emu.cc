// emu.cc: the runtime of the CUDA emulation. cudaemu compiles it with the
// kernel sources into one shared library and calls the emu_* functions
// below through purego.
//
// A launch runs the grid's blocks one after another. The threads of a
// block are cooperative fibers scheduled round-robin by
// run_block: a fiber runs its thread until the thread waits at a barrier
// (__syncthreads, a warp intrinsic) or exits. A thread that exits without
// waiting hands its fiber to the next thread not yet started, so kernels
// without barriers cost one fiber switch per block. Scheduling depends
// only on the kernel and its launch shape: results are deterministic.
//
// Threads that have exited no longer count at barriers (as on current
// GPUs, where __syncthreads after some threads returned completes with the
// rest); a barrier that can never complete is reported as a deadlock.
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "emu.h"

#define EXPORT extern "C" __attribute__((visibility("default")))

#ifndef MAP_STACK
#define MAP_STACK 0
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

// ---- Context switching ----------------------------------------------------------------
//
// On x86-64 ELF systems a fiber switch saves and restores the callee-saved
// registers, MXCSR and the x87 control word, and swaps stacks: a few
// nanoseconds, where swapcontext also makes a sigprocmask system call. A
// reduction kernel waits at a dozen barriers per thread, so this is most
// of the emulation's cost. Elsewhere, or with -DCUDAEMU_UCONTEXT, fibers
// use makecontext and swapcontext.

#if defined(__x86_64__) && defined(__ELF__) && !defined(CUDAEMU_UCONTEXT)
#define CUDAEMU_ASM_SWITCH 1
// cudaemu_switch(save, to) saves the caller's registers on its stack,
// stores the stack pointer in *save, and resumes the context whose stack
// pointer is to.
extern "C" void cudaemu_switch(void** save, void* to);
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl cudaemu_switch\n"
    ".hidden cudaemu_switch\n"
    ".type cudaemu_switch,@function\n"
    "cudaemu_switch:\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    subq $8, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    fnstcw 4(%rsp)\n"
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    "    ldmxcsr (%rsp)\n"
    "    fldcw 4(%rsp)\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    ".size cudaemu_switch, .-cudaemu_switch\n");
#endif

namespace {

struct Context {
#ifdef CUDAEMU_ASM_SWITCH
    void* sp;
#else
    ucontext_t uc;
#endif
};

inline void ctx_switch(Context* from, Context* to) {
#ifdef CUDAEMU_ASM_SWITCH
    cudaemu_switch(&from->sp, to->sp);
#else
    swapcontext(&from->uc, &to->uc);
#endif
}

// ctx_make prepares c to run entry, which must never return, on the
// stack [stack, stack+size).
void ctx_make(Context* c, char* stack, size_t size, void (*entry)()) {
#ifdef CUDAEMU_ASM_SWITCH
    // The frame cudaemu_switch pops: MXCSR and x87 control word, r15 …
    // rbp, then entry as the return address, above which a null return
    // address for entry leaves the stack aligned as after a call.
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t* sp = (uint64_t*)top;
    *--sp = 0;                 // entry's return address
    *--sp = (uint64_t)entry;  // popped by ret
    for (int i = 0; i < 6; i++) *--sp = 0;  // rbp, rbx, r12 … r15
    *--sp = 0x037fULL << 32 | 0x1f80;       // default x87 control word, MXCSR
    c->sp = sp;
#else
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = stack;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = nullptr;
    makecontext(&c->uc, entry, 0);
#endif
}

}  // namespace

namespace cudaemu {

uint3 thread_idx, block_idx;
dim3 block_dim, grid_dim;

namespace {

struct Kernel {
    const char* name;
    void* fn;
    tramp_fn tramp;
    const char* sig;
};

// The registry is filled by the generated units' static initialisers,
// which may run before this unit's: plain zero-initialised storage needs
// no constructor.
struct Registry {
    Kernel* k;
    int n, cap;
} reg;

enum Wait { RUNNING, AT_BLOCK, AT_WARP };

const size_t kStackSize = 256 << 10;  // bytes, plus one guard page

struct Fiber {
    Context ctx;
    char* mem;      // mapping: guard page, then the stack
    size_t size;    // of the mapping
    bool fresh;     // needs ctx_make before the next switch to it
    unsigned color; // the fiber's number, which offsets its stack top
    int tid;        // linear thread index in the block; -1 when idle
    uint3 idx;      // threadIdx of tid
    Wait wait;
    uint32_t wait_gen;
    int wait_warp;
};

struct Warp {
    uint32_t gen;
    unsigned arrived;
    uint32_t expect;     // mask of the first lane to arrive in this generation
    uint32_t live;       // lanes that exist and have not exited
    uint32_t wrote[2];   // lanes that contributed, by generation parity
    uint64_t slot[2][32];
};

struct State {
    // The launch.
    const Kernel* k = nullptr;
    const uint64_t* args = nullptr;
    unsigned nthreads = 0;
    // The block.
    unsigned next_start = 0;  // next thread to start
    unsigned live = 0;        // threads not exited
    uint32_t bar_gen = 0;
    unsigned bar_arrived = 0;
    int bar_count[2] = {0, 0};
    Warp warps[32];
    Fiber* used[1024];  // fibers used in this block, in the order of first use
    unsigned nused = 0;
    // Fibers.
    Fiber* pool[1024];       // every fiber made, reused across blocks and launches
    unsigned npool = 0;
    unsigned pool_next = 0;  // pool[pool_next:npool] are idle during a block
    Fiber* cur = nullptr;
    Context main;
    bool in_launch = false;
    bool abort = false;
    char err[1024];
} S;

void fail(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(S.err, sizeof S.err, fmt, ap);
    va_end(ap);
    S.abort = true;
}

inline int popcount(uint32_t x) { return __builtin_popcount(x); }

void release_block() {
    S.bar_arrived = 0;
    S.bar_gen++;
    S.bar_count[S.bar_gen & 1] = 0;
}

void release_warp(Warp& w) {
    w.arrived = 0;
    w.gen++;
}

inline bool warp_complete(const Warp& w) { return w.arrived > 0 && (int)w.arrived >= popcount(w.expect & w.live); }

// wait parks the running thread until the scheduler finds the barrier it
// waits at released.
void wait(Wait what, uint32_t gen, int warp) {
    Fiber* f = S.cur;
    f->wait = what;
    f->wait_gen = gen;
    f->wait_warp = warp;
    ctx_switch(&f->ctx, &S.main);
    f->wait = RUNNING;
}

void begin_thread(Fiber* f, unsigned tid) {
    f->tid = (int)tid;
    f->idx.x = tid % block_dim.x;
    f->idx.y = tid / block_dim.x % block_dim.y;
    f->idx.z = tid / (block_dim.x * block_dim.y);
    f->wait = RUNNING;
}

void end_thread(Fiber* f) {
    Warp& w = S.warps[f->tid >> 5];
    w.live &= ~(1u << (f->tid & 31));
    S.live--;
    if (S.bar_arrived > 0 && S.bar_arrived >= S.live) release_block();
    if (warp_complete(w)) release_warp(w);
    f->tid = -1;
}

void fiber_main() {
    for (;;) {
        Fiber* f = S.cur;
        thread_idx = f->idx;
        S.k->tramp(S.k->fn, S.args);
        end_thread(f);
        if (S.next_start < S.nthreads) {
            begin_thread(f, S.next_start++);  // the next thread runs on this fiber: no switch
            continue;
        }
        ctx_switch(&f->ctx, &S.main);  // idle until given another thread
    }
}

Fiber* idle_fiber() {
    if (S.pool_next < S.npool) return S.pool[S.pool_next++];
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t size = kStackSize + page;
    void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                     -1, 0);
    if (mem == MAP_FAILED) {
        fail("cannot map a %zu-byte fiber stack (%u fibers so far): %s", size, S.npool, strerror(errno));
        return nullptr;
    }
    mprotect(mem, page, PROT_NONE);  // an overflow faults instead of corrupting the next stack
    Fiber* f = new Fiber();
    f->mem = (char*)mem;
    f->size = size;
    f->fresh = true;
    f->color = S.npool;
    f->tid = -1;
    S.pool[S.npool++] = f;
    S.pool_next = S.npool;
    return f;
}

void switch_to(Fiber* f) {
    if (f->fresh) {
        const size_t page = (size_t)sysconf(_SC_PAGESIZE);
        // Stagger the stack tops by a few cache lines per fiber: at one
        // offset modulo the stack size they would all fall in the same
        // cache sets, and switching among hundreds of fibers would thrash.
        const size_t color = (size_t)(f->color % 61) * 1088;
        ctx_make(&f->ctx, f->mem + page, f->size - page - color, fiber_main);
        f->fresh = false;
    }
    S.cur = f;
    thread_idx = f->idx;
    ctx_switch(&S.main, &f->ctx);
    S.cur = nullptr;
}

bool ready(const Fiber* f) {
    switch (f->wait) {
    case AT_BLOCK:
        return S.bar_gen != f->wait_gen;
    case AT_WARP:
        return S.warps[f->wait_warp].gen != f->wait_gen;
    default:
        return false;
    }
}

void describe_deadlock() {
    char* p = S.err;
    char* const end = S.err + sizeof S.err;
    auto put = [&](const char* fmt, auto... a) {
        if (p < end) p += snprintf(p, end - p, fmt, a...);
    };
    unsigned at_block = 0, at_warp = 0;
    for (unsigned i = 0; i < S.nused; i++) {
        if (S.used[i]->tid >= 0) (S.used[i]->wait == AT_BLOCK ? at_block : at_warp)++;
    }
    put("deadlock in block (%u,%u,%u): %u threads wait at __syncthreads and %u at warp intrinsics, and no barrier "
        "can complete",
        block_idx.x, block_idx.y, block_idx.z, at_block, at_warp);
    // List the warp waiters first: they are usually the odd ones.
    for (int pass = 0; pass < 2; pass++) {
        int shown = 0;
        for (unsigned i = 0; i < S.nused; i++) {
            Fiber* f = S.used[i];
            if (f->tid < 0 || (f->wait == AT_WARP) != (pass == 0)) continue;
            if (++shown > 4) {
                put(", ...");
                break;
            }
            if (f->wait == AT_WARP)
                put("; thread (%u,%u,%u) waits for %d lanes of warp %d", f->idx.x, f->idx.y, f->idx.z,
                    popcount(S.warps[f->wait_warp].expect & S.warps[f->wait_warp].live), f->wait_warp);
            else
                put("; thread (%u,%u,%u) at __syncthreads", f->idx.x, f->idx.y, f->idx.z);
        }
    }
    S.abort = true;
}

// run_block runs every thread of the block now in block_idx.
bool run_block() {
    S.next_start = 0;
    S.live = S.nthreads;
    S.bar_gen = 0;
    S.bar_arrived = 0;
    S.bar_count[0] = S.bar_count[1] = 0;
    for (unsigned i = 0; i < (S.nthreads + 31) / 32; i++) {
        Warp& w = S.warps[i];
        w.gen = 0;
        w.arrived = 0;
        w.expect = 0;
        const unsigned first = i * 32, n = S.nthreads - first < 32 ? S.nthreads - first : 32;
        w.live = n == 32 ? 0xffffffffu : (1u << n) - 1;
        w.wrote[0] = w.wrote[1] = 0;
    }
    S.nused = 0;
    S.pool_next = 0;
    unsigned rr = 0;
    for (;;) {
        if (S.abort) return false;
        if (S.next_start < S.nthreads) {
            Fiber* f = idle_fiber();
            if (!f) return false;
            S.used[S.nused++] = f;
            begin_thread(f, S.next_start++);
            switch_to(f);
            continue;
        }
        // Every thread has started: resume a waiting one whose barrier is
        // released, round-robin from the last one resumed.
        const unsigned n = S.nused;
        Fiber* next = nullptr;
        bool any = false;
        for (unsigned i = 0; i < n; i++) {
            Fiber* f = S.used[(rr + i) % n];
            if (f->tid < 0) continue;
            any = true;
            if (ready(f)) {
                next = f;
                rr = (rr + i + 1) % n;
                break;
            }
        }
        if (!any) return true;
        if (!next) {
            describe_deadlock();
            return false;
        }
        switch_to(next);
    }
}

}  // namespace

// ---- Called by kernels (emu.h) ----------------------------------------------------

int sync_block(int pred) {
    const uint32_t gen = S.bar_gen;
    S.bar_count[gen & 1] += pred;
    if (++S.bar_arrived >= S.live) {
        release_block();
    } else {
        wait(AT_BLOCK, gen, 0);
    }
    return S.bar_count[gen & 1];
}

// The slots are double-buffered by generation parity: a lane can write
// generation g+2's (the same buffer as g's) only after every lane has
// arrived at g+1, hence finished reading g.
unsigned warp_gather(unsigned mask, uint64_t v, uint64_t out[32]) {
    Fiber* f = S.cur;
    const int wi = f->tid >> 5, lane = f->tid & 31;
    Warp& w = S.warps[wi];
    const uint32_t gen = w.gen;
    const int b = gen & 1;
    if (w.arrived == 0) {
        w.expect = mask;
        w.wrote[b] = 0;
    }
    w.slot[b][lane] = v;
    w.wrote[b] |= 1u << lane;
    w.arrived++;
    if (warp_complete(w)) {
        release_warp(w);
    } else {
        wait(AT_WARP, gen, wi);
    }
    memcpy(out, w.slot[b], sizeof w.slot[b]);
    return w.wrote[b];
}

void sync_warp(unsigned mask) {
    uint64_t slots[32];
    (void)warp_gather(mask, 0, slots);
}

void trap(const char* what, const char* file, int line) {
    if (!S.cur) {
        fprintf(stderr, "cudaemu: %s at %s:%d outside a kernel\n", what, file, line);
        abort();
    }
    const uint3 t = S.cur->idx;
    snprintf(S.err, sizeof S.err, "%s at %s:%d in block (%u,%u,%u), thread (%u,%u,%u)", what, file, line,
             block_idx.x, block_idx.y, block_idx.z, t.x, t.y, t.z);
    S.abort = true;
    ctx_switch(&S.cur->ctx, &S.main);  // never resumed: the launch is abandoned
    abort();
}

int register_kernel(const char* name, void* fn, tramp_fn tramp, const char* sig) {
    if (reg.n == reg.cap) {
        reg.cap = reg.cap ? 2 * reg.cap : 64;
        reg.k = (Kernel*)realloc(reg.k, reg.cap * sizeof(Kernel));
        if (!reg.k) abort();
    }
    reg.k[reg.n++] = Kernel{name, fn, tramp, sig};
    return reg.n;
}

}  // namespace cudaemu

using namespace cudaemu;

// assert() in a kernel ends the launch with an error instead of aborting
// the process. Hidden: it serves this library's kernels only.
extern "C" void __assert_fail(const char* expr, const char* file, unsigned int line, const char* func) noexcept {
    char what[512];
    snprintf(what, sizeof what, "assertion `%s' failed in %s", expr, func);
    trap(what, file, (int)line);
}

// ---- Called from Go ------------------------------------------------------------------

EXPORT int emu_kernel_count() { return reg.n; }
EXPORT const char* emu_kernel_name(int i) { return reg.k[i].name; }
EXPORT const char* emu_kernel_sig(int i) { return reg.k[i].sig; }

// emu_alloc returns bytes of memory aligned as cuMemAlloc's (256 bytes),
// filled with 0xff bytes (NaN as float and double) so that reading memory
// never written shows.
EXPORT void* emu_alloc(size_t bytes) {
    const size_t n = (bytes + 255) & ~(size_t)255;
    void* p = aligned_alloc(256, n ? n : 256);
    if (p) memset(p, 0xff, n ? n : 256);
    return p;
}
EXPORT void emu_free(void* p) { free(p); }
EXPORT void emu_memmove(void* dst, const void* src, size_t n) { memmove(dst, src, n); }

// emu_launch runs kernel k (an index into the registry) on a grid of
// gx×gy×gz blocks of bx×by×bz threads, with args an array of one 8-byte
// slot per parameter. It returns 0, or 1 with a message in err.
EXPORT int emu_launch(int k, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                      const uint64_t* args, char* err, int errlen) {
    auto report = [&](const char* msg) {
        if (errlen > 0) snprintf(err, (size_t)errlen, "%s", msg);
        return 1;
    };
    if (S.in_launch) return report("launch while another launch runs");
    if (k < 0 || k >= reg.n) return report("no such kernel");
    const unsigned long long threads = (unsigned long long)bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || threads == 0 || threads > 1024 || bx > 1024 || by > 1024 || bz > 64 ||
        gx > 0x7fffffffu || gy > 65535 || gz > 65535)
        return report("invalid launch shape");
    S.in_launch = true;
    S.abort = false;
    S.err[0] = 0;
    S.k = &reg.k[k];
    S.args = args;
    S.nthreads = (unsigned)threads;
    grid_dim = dim3(gx, gy, gz);
    block_dim = dim3(bx, by, bz);
    bool ok = true;
    for (unsigned z = 0; ok && z < gz; z++)
        for (unsigned y = 0; ok && y < gy; y++)
            for (unsigned x = 0; ok && x < gx; x++) {
                block_idx = uint3{x, y, z};
                ok = run_block();
            }
    if (!ok) {
        // Fibers left inside the kernel restart from scratch next time.
        for (unsigned i = 0; i < S.npool; i++) {
            S.pool[i]->fresh = true;
            S.pool[i]->tid = -1;
        }
    }
    S.in_launch = false;
    S.k = nullptr;
    S.args = nullptr;
    return ok ? 0 : report(S.err);
}
