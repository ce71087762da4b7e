// The CUDA emulator: kernels/recformer.cu compiled by the host compiler against cuda_emu.h, run on
// the CPU, and bound to org.recformer.backend.cuda.EmulatorLibrary through JNI (built by
// kernels/emu/build.sh). Device memory is host memory with guard zones; each block's threads are
// fibers on one OS thread, run in order from one rendezvous (barrier, warp operation) to the next,
// so a run is deterministic; blocks are spread over a few OS threads.
//
// A launch fails, naming the kernel, when: the grid or block is over CUDA's limits or dynamic
// shared memory is over the opt-in size; the arguments' count or sizes differ from the kernel's
// parameters; a pointer argument is outside every live allocation; a __syncthreads is not reached
// by every thread of the block, or threads wait at different ones; a warp operation's mask leaves
// out the calling lane, or names a lane that never arrives, or lanes of the mask arrive at
// different operations; a guard zone of an argument's allocation was written; an mma.sync is not
// reached by all 32 lanes of the warp; a cp.async is misaligned, lands outside the launch's dynamic
// shared memory or reads outside an allocation, or a thread exits with copies never waited for.
#include "cuda_emu.h"
#include EMU_KERNELS  // kernels/recformer.cu, or a scratch copy of it (build.sh)
#include "mma_probe.cuh"  // test-only kernels of the emulator

#include <jni.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

// Dynamic shared memory (`extern __shared__ float smem[]` in the kernels): one per OS thread, i.e. per running block.
#define EMU_SHARED_OPT_IN (227 * 1024)
alignas(16) thread_local float smem[EMU_SHARED_OPT_IN / sizeof(float)];

namespace emu {
thread_local const ThreadCoordinates* coordinates;

// ------------------------------------------------------------------------------------------ memory

static const size_t GUARD = 256;
static const unsigned char GUARD_BYTE = 0xA5;
static std::mutex allocationsLock;
static std::map<uintptr_t, size_t> allocations;  // data address -> requested bytes

static void* allocate(size_t bytes) {
    size_t total = (GUARD + bytes + GUARD + 255) / 256 * 256;
    unsigned char* base = static_cast<unsigned char*>(std::aligned_alloc(256, total));
    if (base == nullptr) return nullptr;
    std::memset(base, GUARD_BYTE, GUARD);
    std::memset(base + GUARD, 0xFF, bytes);  // NaN as floats, -1 as ints: reading before writing shows
    std::memset(base + GUARD + bytes, GUARD_BYTE, total - GUARD - bytes);
    std::lock_guard<std::mutex> hold(allocationsLock);
    allocations[reinterpret_cast<uintptr_t>(base + GUARD)] = bytes;
    return base + GUARD;
}

// The allocation holding [address, address + bytes) (a pointer one past the end holds 0 bytes):
// its start and requested size; false when there is none.
static bool findAllocation(uintptr_t address, size_t bytes, uintptr_t* start, size_t* size) {
    std::lock_guard<std::mutex> hold(allocationsLock);
    auto it = allocations.upper_bound(address);
    if (it == allocations.begin()) return false;
    --it;
    if (address + bytes > it->first + it->second) return false;
    *start = it->first;
    *size = it->second;
    return true;
}

static bool release(uintptr_t address) {
    std::lock_guard<std::mutex> hold(allocationsLock);
    auto it = allocations.find(address);
    if (it == allocations.end()) return false;
    allocations.erase(it);
    std::free(reinterpret_cast<unsigned char*>(address) - GUARD);
    return true;
}

// "" when both guard zones of the allocation at start are intact, else where it was overwritten.
static std::string checkGuards(uintptr_t start, size_t bytes) {
    const unsigned char* data = reinterpret_cast<const unsigned char*>(start);
    for (size_t i = 1; i <= GUARD; i++) {
        if (data[-(ptrdiff_t) i] != GUARD_BYTE) return "byte " + std::to_string(i) + " before its start";
    }
    for (size_t i = 0; i < GUARD; i++) {
        if (data[bytes + i] != GUARD_BYTE) return "byte " + std::to_string(i) + " after its end";
    }
    return "";
}

// ------------------------------------------------------------------------------------------ fibers

// Switches stacks: saves the callee-saved registers and the FP control words on the current stack,
// stores its pointer in *from, and resumes the stack `to` (System V x86-64).
extern "C" void emu_switch(void** from, void* to);
asm(R"(
    .text
    .globl emu_switch
    .hidden emu_switch
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

static const size_t STACK_BYTES = 64 * 1024;
static const size_t PAGE = 4096;

enum State : unsigned char { READY, AT_BARRIER, AT_WARP, DONE };

static const char* opName(WarpOp op) {
    switch (op) {
        case SHFL_IDX: return "__shfl_sync";
        case SHFL_XOR: return "__shfl_xor_sync";
        case SHFL_DOWN: return "__shfl_down_sync";
        case SHFL_UP: return "__shfl_up_sync";
        case MMA_TF32: return "mma.sync.m16n8k8.tf32";
        case MMA_BF16: return "mma.sync.m16n8k16.bf16";
        default: return "__syncwarp";
    }
}

static std::string site(const char* file, int line) {
    const char* slash = std::strrchr(file, '/');
    return std::string(slash ? slash + 1 : file) + ":" + std::to_string(line);
}

// A cp.async queued by a thread: lands at the cp.async.wait_group that covers it.
struct AsyncCopy {
    unsigned char* dst;
    const unsigned char* src;
    int bytes, srcBytes;
};

struct Fiber {
    void* sp;
    State state;
    ThreadCoordinates at;
    WarpOp op;
    unsigned mask;
    int operand;
    uint64_t value, result;
    const char* file;
    int line;
    std::vector<AsyncCopy> copies;   // queued, in issue order
    std::vector<size_t> groupEnds;   // committed groups: one past each group's last copy in `copies`
};

// One block's threads, run on the calling OS thread.
struct Block {
    std::function<void()> body;  // runs the kernel for the current fiber
    std::vector<Fiber> fibers;
    std::vector<unsigned> atWarp;  // per warp: the lanes waiting at a warp operation
    int threads = 0;
    int sharedBytes = 0;  // the launch's dynamic shared memory
    void* schedulerSp = nullptr;
    int atBarrier = 0;
    const char* barrierFile = nullptr;
    int barrierLine = 0;
    std::string error;
};

thread_local Block* block;
thread_local Fiber* current;
thread_local unsigned char* stacks;  // this OS thread's fiber stacks (kept between launches)
thread_local int stackCount;

static std::string describe(const Fiber& f) {
    return "thread (" + std::to_string(f.at.thread.x) + "," + std::to_string(f.at.thread.y) + ","
           + std::to_string(f.at.thread.z) + ") of block (" + std::to_string(f.at.block.x) + ","
           + std::to_string(f.at.block.y) + "," + std::to_string(f.at.block.z) + ")";
}

static void yield() {
    Fiber* f = current;
    emu_switch(&f->sp, block->schedulerSp);
}

// Records the first error of the block and leaves the fiber for good.
[[noreturn]] static void fail(const std::string& message) {
    if (block->error.empty()) block->error = message;
    current->state = DONE;
    yield();
    std::abort();  // never resumed
}

[[noreturn]] static void fiberEntry() {
    block->body();
    if (!current->copies.empty()) {
        fail(describe(*current) + " exits with " + std::to_string(current->copies.size())
             + " cp.async copies no cp.async.wait_group covered");
    }
    current->state = DONE;
    yield();
    std::abort();
}

static void ensureStacks(int n) {
    if (stackCount >= n) return;
    if (stacks != nullptr) munmap(stacks, stackCount * (STACK_BYTES + PAGE));
    size_t bytes = (size_t) n * (STACK_BYTES + PAGE);
    void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        std::fprintf(stderr, "cuda emulator: cannot map %zu bytes of fiber stacks\n", bytes);
        std::abort();
    }
    stacks = static_cast<unsigned char*>(m);
    for (int i = 0; i < n; i++) mprotect(stacks + i * (STACK_BYTES + PAGE), PAGE, PROT_NONE);  // overflow faults
    stackCount = n;
}

// A fresh stack for fiber i whose first switch enters fiberEntry.
static void* initialStack(int i) {
    unsigned char* top = stacks + (size_t) (i + 1) * (STACK_BYTES + PAGE);
    uint64_t* sp = reinterpret_cast<uint64_t*>(top);
    *--sp = 0;                                                // fiberEntry's (absent) return address
    *--sp = reinterpret_cast<uint64_t>(&fiberEntry);          // popped by ret
    for (int r = 0; r < 6; r++) *--sp = 0;                    // rbp rbx r12 r13 r14 r15
    *--sp = 0x1F80ULL | (0x037FULL << 32);                    // default MXCSR and x87 control word
    return sp;
}

// --------------------------------------------------------------------------------- rendezvous points

static void releaseBarrier(Block& B) {
    for (Fiber& f : B.fibers) f.state = READY;
    B.atBarrier = 0;
    B.barrierFile = nullptr;
}

void barrier(const char* file, int line) {
    Block& B = *block;
    Fiber* f = current;
    if (B.atBarrier > 0 && (B.barrierLine != line || std::strcmp(B.barrierFile, file) != 0)) {
        fail("threads wait at different __syncthreads: " + site(B.barrierFile, B.barrierLine) + " and "
             + site(file, line) + " (" + describe(*f) + ")");
    }
    f->state = AT_BARRIER;
    f->file = file;
    f->line = line;
    B.barrierFile = file;
    B.barrierLine = line;
    if (++B.atBarrier == B.threads) {
        releaseBarrier(B);
        return;
    }
    yield();
}

static std::string whereIs(const Fiber& g) {
    switch (g.state) {
        case DONE: return "has exited";
        case AT_BARRIER: return "waits at __syncthreads " + site(g.file, g.line);
        case AT_WARP: return "waits at " + std::string(opName(g.op)) + " " + site(g.file, g.line);
        default: return "is running";
    }
}

static int partnerLane(WarpOp op, int lane, int operand) {
    switch (op) {
        case SHFL_IDX: return operand & 31;
        case SHFL_XOR: return lane ^ (operand & 31);
        case SHFL_DOWN: return lane + operand < 32 ? lane + operand : lane;
        case SHFL_UP: return lane - operand >= 0 ? lane - operand : lane;
        default: return lane;
    }
}

// ------------------------------------------------------------------------- tensor cores, async copies

// cvt.rna.tf32.f32: keep 10 explicit mantissa bits, round to nearest, ties away from zero (adding half
// of the dropped 13 bits' weight to the magnitude, then truncating); NaN becomes the canonical NaN.
uint32_t tf32_rna(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fffffffu & ~0x1fffu;
    return (u + 0x1000u) & ~0x1fffu;
}

// cvt.rn.bf16.f32: the upper 16 bits, rounded to nearest with ties to even; NaN becomes 0x7fc0.
uint16_t bf16_rn(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
    return (uint16_t) ((u + 0x7fffu + (u >> 16 & 1u)) >> 16);
}

static float bitsToFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// What one lane hands to mma.sync (the warp rendezvous carries a pointer to it).
struct MmaLane {
    const uint32_t* a;
    const uint32_t* b;
    float* acc;
};

// The element a .tf32 operand register holds: the tensor core reads only its upper 19 bits.
static float tf32Value(uint32_t reg) { return bitsToFloat(reg & ~0x1fffu); }
// Half `h` (0 = low) of a .bf16x2 register.
static float bf16Value(uint32_t reg, int h) { return bitsToFloat((reg >> (16 * h) & 0xffffu) << 16); }

// D = A x B + C over the 32 lanes of the warp starting at fiber `base`, fragments placed as the PTX ISA's
// tables (kernels/mma.cuh) say; products are exact (TF32 x TF32 and BF16 x BF16 fit a float) and each D
// element sums its K products into C in k order with float FMAs.
static void multiply(WarpOp op, Block& B, int base) {
    const int K = op == MMA_TF32 ? 8 : 16;
    float a[16][16], b[16][8], c[16][8];
    for (int lane = 0; lane < 32; lane++) {
        const MmaLane& L = *reinterpret_cast<const MmaLane*>(B.fibers[base + lane].value);
        int g = lane >> 2, t = lane & 3;
        if (op == MMA_TF32) {
            for (int i = 0; i < 4; i++) a[g + 8 * (i & 1)][t + 4 * (i >> 1)] = tf32Value(L.a[i]);
            for (int i = 0; i < 2; i++) b[t + 4 * i][g] = tf32Value(L.b[i]);
        } else {
            for (int i = 0; i < 8; i++) a[g + 8 * (i >> 1 & 1)][2 * t + (i & 1) + 8 * (i >> 2)] = bf16Value(L.a[i >> 1], i & 1);
            for (int i = 0; i < 4; i++) b[2 * t + (i & 1) + 8 * (i >> 1)][g] = bf16Value(L.b[i >> 1], i & 1);
        }
        for (int i = 0; i < 4; i++) c[g + 8 * (i >> 1)][2 * t + (i & 1)] = L.acc[i];
    }
    for (int m = 0; m < 16; m++) {
        for (int n = 0; n < 8; n++) {
            float d = c[m][n];
            for (int k = 0; k < K; k++) d = fmaf(a[m][k], b[k][n], d);
            c[m][n] = d;
        }
    }
    for (int lane = 0; lane < 32; lane++) {
        const MmaLane& L = *reinterpret_cast<const MmaLane*>(B.fibers[base + lane].value);
        int g = lane >> 2, t = lane & 3;
        for (int i = 0; i < 4; i++) L.acc[i] = c[g + 8 * (i >> 1)][2 * t + (i & 1)];
    }
}

uint64_t warp(WarpOp op, unsigned mask, uint64_t value, int operand, const char* file, int line);

void mma(WarpOp op, float acc[4], const uint32_t a[4], const uint32_t b[2], const char* file, int line) {
    MmaLane lane{a, b, acc};
    warp(op, 0xffffffffu, (uint64_t) reinterpret_cast<uintptr_t>(&lane), 0, file, line);
}

void cp_async(void* dst, const void* src, int bytes, int srcBytes, const char* file, int line) {
    Fiber* f = current;
    auto at = [&] { return "cp.async at " + site(file, line) + " (" + describe(*f) + ")"; };
    uintptr_t d = reinterpret_cast<uintptr_t>(dst), s = reinterpret_cast<uintptr_t>(src);
    uintptr_t shared = reinterpret_cast<uintptr_t>(smem);
    if (bytes != 4 && bytes != 8 && bytes != 16) fail(at() + ": copies " + std::to_string(bytes) + " bytes (4, 8 or 16)");
    if (srcBytes < 0 || srcBytes > bytes) {
        fail(at() + ": src-size " + std::to_string(srcBytes) + " outside 0.." + std::to_string(bytes));
    }
    if (d % bytes != 0 || s % bytes != 0) {
        fail(at() + ": " + (d % bytes != 0 ? "shared" : "global") + " address not aligned to its " + std::to_string(bytes)
             + " bytes");
    }
    if (d < shared || d + bytes > shared + block->sharedBytes) {
        fail(at() + ": destination outside the launch's " + std::to_string(block->sharedBytes)
             + " bytes of dynamic shared memory");
    }
    uintptr_t start;
    size_t size;
    if (srcBytes > 0 && !findAllocation(s, srcBytes, &start, &size)) {
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%llx", (unsigned long long) s);
        fail(at() + ": reads " + std::to_string(srcBytes) + " bytes at " + hex + ", outside every live allocation");
    }
    f->copies.push_back(AsyncCopy{static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), bytes, srcBytes});
}

void cp_async_commit() { current->groupEnds.push_back(current->copies.size()); }

void cp_async_wait(int newest) {
    Fiber* f = current;
    if ((int) f->groupEnds.size() <= newest) return;
    size_t groups = f->groupEnds.size() - newest, done = f->groupEnds[groups - 1];
    for (size_t i = 0; i < done; i++) {
        const AsyncCopy& c = f->copies[i];
        std::memcpy(c.dst, c.src, c.srcBytes);
        std::memset(c.dst + c.srcBytes, 0, c.bytes - c.srcBytes);
    }
    f->copies.erase(f->copies.begin(), f->copies.begin() + done);
    f->groupEnds.erase(f->groupEnds.begin(), f->groupEnds.begin() + groups);
    for (size_t& end : f->groupEnds) end -= done;
}

uint64_t warp(WarpOp op, unsigned mask, uint64_t value, int operand, const char* file, int line) {
    Block& B = *block;
    Fiber* f = current;
    int index = (int) (f - B.fibers.data());
    int lane = index & 31, base = index - lane;
    if (!(mask >> lane & 1u)) {
        char m[16];
        std::snprintf(m, sizeof m, "0x%08x", mask);
        fail(std::string(opName(op)) + " at " + site(file, line) + " with mask " + m + " is called by lane "
             + std::to_string(lane) + ", which the mask leaves out (" + describe(*f) + ")");
    }
    f->state = AT_WARP;
    f->op = op;
    f->mask = mask;
    f->operand = operand;
    f->value = value;
    f->file = file;
    f->line = line;
    unsigned& waiting = B.atWarp[index >> 5];
    waiting |= 1u << lane;
    if ((waiting & mask) != mask) {
        yield();  // resumed once the last lane of the mask arrives
        return f->result;
    }
    // every lane of the mask is here: they must be at the same operation with the same mask
    for (int k = 0; k < 32; k++) {
        if (!(mask >> k & 1u)) continue;
        const Fiber& g = B.fibers[base + k];
        if (g.op != op || g.mask != mask || (op != SYNC_WARP && (g.line != line || std::strcmp(g.file, file) != 0))) {
            char m[16], n[16];
            std::snprintf(m, sizeof m, "0x%08x", mask);
            std::snprintf(n, sizeof n, "0x%08x", g.mask);
            fail("lanes of one warp meet at different warp operations: " + std::string(opName(op)) + " at "
                 + site(file, line) + " with mask " + m + " (" + describe(*f) + ") and " + opName(g.op) + " at "
                 + site(g.file, g.line) + " with mask " + n + " (lane " + std::to_string(k) + ")");
        }
    }
    if (op == MMA_TF32 || op == MMA_BF16) multiply(op, B, base);
    for (int k = 0; k < 32; k++) {
        if (!(mask >> k & 1u)) continue;
        Fiber& g = B.fibers[base + k];
        int from = partnerLane(op, k, g.operand);
        if (op != SYNC_WARP && !(mask >> from & 1u)) {
            char m[16];
            std::snprintf(m, sizeof m, "0x%08x", mask);
            fail(std::string(opName(op)) + " at " + site(file, line) + ": lane " + std::to_string(k) + " reads lane "
                 + std::to_string(from) + ", which is not in the mask " + m);
        }
        g.result = op == SYNC_WARP ? 0 : B.fibers[base + from].value;
        g.state = READY;
    }
    waiting &= ~mask;
    return f->result;
}

// Why no thread of the block can run although some have not finished.
static std::string deadlock(Block& B) {
    int done = 0;
    const Fiber* exited = nullptr;
    for (const Fiber& f : B.fibers) {
        if (f.state == DONE) {
            done++;
            if (exited == nullptr) exited = &f;
        }
    }
    if (B.atBarrier > 0 && B.atBarrier + done == B.threads) {
        return "__syncthreads at " + site(B.barrierFile, B.barrierLine) + " is not reached by every thread of the block: "
               + describe(*exited) + " has exited";
    }
    for (int i = 0; i < B.threads; i++) {
        const Fiber& f = B.fibers[i];
        if (f.state != AT_WARP) continue;
        int base = i - (i & 31);
        for (int k = 0; k < 32; k++) {
            if (!(f.mask >> k & 1u) || (base + k < B.threads && B.fibers[base + k].state == AT_WARP)) continue;
            char m[16];
            std::snprintf(m, sizeof m, "0x%08x", f.mask);
            return std::string(opName(f.op)) + " at " + site(f.file, f.line) + " with mask " + m + " (" + describe(f)
                   + ") waits for lane " + std::to_string(k) + ", which "
                   + (base + k >= B.threads ? std::string("does not exist (the block has ") + std::to_string(B.threads)
                                                      + " threads)"
                                            : whereIs(B.fibers[base + k]));
        }
    }
    return "threads wait at rendezvous that cannot complete";
}

// Runs every thread of one block to the end; returns "" or the error.
static std::string runBlock(Block& B, const dim3& index, const dim3& size, const dim3& gridSize) {
    ensureStacks(B.threads);
    B.fibers.assign(B.threads, Fiber{});
    B.atWarp.assign((B.threads + 31) / 32, 0u);
    for (int i = 0; i < B.threads; i++) {
        Fiber& f = B.fibers[i];
        f.sp = initialStack(i);
        f.state = READY;
        f.at.thread = {(unsigned) i % size.x, (unsigned) i / size.x % size.y,
                          (unsigned) i / (size.x * size.y)};
        f.at.block = index;
        f.at.blockSize = size;
        f.at.grid = gridSize;
    }
    B.atBarrier = 0;
    B.error.clear();
    block = &B;
    int done = 0;
    while (done < B.threads) {
        bool ran = false;
        for (Fiber& f : B.fibers) {
            if (f.state != READY) continue;
            current = &f;
            coordinates = &f.at;
            emu_switch(&B.schedulerSp, f.sp);
            if (!B.error.empty()) return B.error;
            if (f.state == DONE) done++;
            ran = true;
        }
        if (!ran && done < B.threads) return deadlock(B);
    }
    return "";
}

// ------------------------------------------------------------------------------------------ kernels

template <class T>
static T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

struct Kernel {
    const char* name;
    std::vector<int> sizes;       // bytes of each parameter
    std::vector<bool> pointers;   // whether each parameter is a pointer
    void (*run)(const unsigned char* const* args);
};

template <class... A, size_t... I>
static void call(void (*f)(A...), const unsigned char* const* args, std::index_sequence<I...>) {
    f(load<A>(args[I])...);
}

template <auto F>
struct Entry;

template <class... A, void (*F)(A...)>
struct Entry<F> {
    static void run(const unsigned char* const* args) { call(F, args, std::index_sequence_for<A...>()); }
    static Kernel kernel(const char* name) { return Kernel{name, {(int) sizeof(A)...}, {std::is_pointer<A>::value...}, &run}; }
};

// kernels.inc (written by build.sh from the sources) lists every extern "C" __global__ function as EMU_KERNEL(name).
#define EMU_KERNEL(k) Entry<&::k>::kernel(#k),
static const std::vector<Kernel> KERNELS = {
#include "kernels.inc"
};

static const Kernel* findKernel(const std::string& name) {
    for (const Kernel& k : KERNELS) {
        if (name == k.name) return &k;
    }
    return nullptr;
}

// ------------------------------------------------------------------------------------- thread pool

// Runs job(worker) on `workers` OS threads (the caller is worker 0) and waits for all of them.
class Pool {
public:
    void run(int workers, const std::function<void(int)>& job) {
        std::unique_lock<std::mutex> hold(lock);
        while (started < workers - 1) {
            int id = started + 1;
            std::thread([this, id] { serve(id); }).detach();  // serves until the process exits
            started++;
        }
        current = &job;
        helpers = workers - 1;
        running = helpers;
        generation++;
        wake.notify_all();
        hold.unlock();
        job(0);
        hold.lock();
        finished.wait(hold, [this] { return running == 0; });
        current = nullptr;
    }

private:
    void serve(int id) {
        long seen = 0;
        std::unique_lock<std::mutex> hold(lock);
        for (;;) {
            wake.wait(hold, [&] { return generation != seen; });
            seen = generation;
            if (current == nullptr || id > helpers) continue;  // not needed for this launch
            const std::function<void(int)>* job = current;
            hold.unlock();
            (*job)(id);
            hold.lock();
            if (--running == 0) finished.notify_all();
        }
    }

    std::mutex lock;
    std::condition_variable wake, finished;
    int started = 0;
    const std::function<void(int)>* current = nullptr;
    int helpers = 0;  // threads 1..helpers take part in the current job
    int running = 0;  // of which still running
    long generation = 0;
};

static Pool& pool = *new Pool;  // never destroyed: its threads outlive static destructors
static std::mutex launchLock;

// ------------------------------------------------------------------------------------------ launch

// Runs kernel `name` over the grid; "" on success, else the error (which names the kernel).
static std::string launch(const std::string& name, const unsigned grid[3], const unsigned blockSize[3], int sharedBytes,
                          const std::vector<const unsigned char*>& args, const std::vector<int>& sizes, int workers) {
    std::string where = "kernel " + name + " (grid " + std::to_string(grid[0]) + "x" + std::to_string(grid[1]) + "x"
                        + std::to_string(grid[2]) + ", block " + std::to_string(blockSize[0]) + "x"
                        + std::to_string(blockSize[1]) + "x" + std::to_string(blockSize[2]) + ", shared "
                        + std::to_string(sharedBytes) + "): ";
    const Kernel* k = findKernel(name);
    if (k == nullptr) return where + "no such kernel in the emulator's build of kernels/recformer.cu";
    if (grid[0] < 1 || grid[1] < 1 || grid[2] < 1 || grid[0] > 2147483647u || grid[1] > 65535 || grid[2] > 65535) {
        return where + "grid over CUDA's limits (x <= 2147483647, y and z <= 65535, each >= 1)";
    }
    long threads = (long) blockSize[0] * blockSize[1] * blockSize[2];
    if (blockSize[0] < 1 || blockSize[1] < 1 || blockSize[2] < 1 || blockSize[0] > 1024 || blockSize[1] > 1024
        || blockSize[2] > 64 || threads > 1024) {
        return where + "block over CUDA's limits (x, y <= 1024, z <= 64, at most 1024 threads, each >= 1)";
    }
    if (sharedBytes < 0 || sharedBytes > EMU_SHARED_OPT_IN) {
        return where + "dynamic shared memory over the opt-in size of " + std::to_string(EMU_SHARED_OPT_IN) + " bytes";
    }
    if (sizes != k->sizes) {
        std::string expected, given;
        for (int s : k->sizes) expected += (expected.empty() ? "" : ", ") + std::to_string(s);
        for (int s : sizes) given += (given.empty() ? "" : ", ") + std::to_string(s);
        return where + "given arguments of " + given + " bytes, the kernel takes " + expected;
    }
    std::vector<std::pair<uintptr_t, size_t>> buffers;  // the allocations the pointer arguments point into
    for (size_t i = 0; i < args.size(); i++) {
        if (!k->pointers[i]) continue;
        uintptr_t p = load<uintptr_t>(args[i]), start;
        size_t size;
        if (!findAllocation(p, 0, &start, &size)) {
            char hex[32];
            std::snprintf(hex, sizeof hex, "0x%llx", (unsigned long long) p);
            return where + "argument " + std::to_string(i) + " (" + hex + ") points outside every live allocation";
        }
        buffers.emplace_back(start, size);
    }
    std::lock_guard<std::mutex> hold(launchLock);
    long blocks = (long) grid[0] * grid[1] * grid[2];
    workers = (int) std::max(1L, std::min<long>(workers, blocks));
    std::atomic<long> next{0};
    std::mutex errorLock;
    std::string error;
    dim3 gridSize{grid[0], grid[1], grid[2]}, size{blockSize[0], blockSize[1], blockSize[2]};
    pool.run(workers, [&](int) {
        Block B;
        B.threads = (int) threads;
        B.sharedBytes = sharedBytes;
        B.body = [&] { k->run(args.data()); };
        for (long b; (b = next.fetch_add(1)) < blocks;) {
            dim3 at{(unsigned) (b % grid[0]), (unsigned) (b / grid[0] % grid[1]), (unsigned) (b / ((long) grid[0] * grid[1]))};
            std::memset(smem, 0xFF, (size_t) sharedBytes);  // uninitialized shared memory reads as NaN
            std::string e = runBlock(B, at, size, gridSize);
            if (!e.empty()) {
                std::lock_guard<std::mutex> hold(errorLock);
                if (error.empty()) error = e;
                next = blocks;
            }
        }
    });
    if (!error.empty()) return where + error;
    for (size_t i = 0; i < buffers.size(); i++) {
        std::string g = checkGuards(buffers[i].first, buffers[i].second);
        if (!g.empty()) {
            return where + "wrote outside an allocation of " + std::to_string(buffers[i].second)
                   + " bytes that an argument points into: " + g;
        }
    }
    return "";
}

}  // namespace emu

// --------------------------------------------------------------------------------------------- JNI

static void throwState(JNIEnv* env, const std::string& message) {
    env->ThrowNew(env->FindClass("java/lang/IllegalStateException"), message.c_str());
}

// Checks [address, address + bytes) lies in one live allocation; throws otherwise.
static bool checkRange(JNIEnv* env, jlong address, jlong bytes, const char* what) {
    uintptr_t start;
    size_t size;
    if (bytes == 0 || emu::findAllocation((uintptr_t) address, (size_t) bytes, &start, &size)) return true;
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", (unsigned long long) address);
    throwState(env, std::string(what) + " of " + std::to_string(bytes) + " bytes at " + hex
                    + " is outside every live allocation of the emulator");
    return false;
}

extern "C" {

JNIEXPORT jlong JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_allocate(JNIEnv*, jclass, jlong bytes) {
    return (jlong) (uintptr_t) emu::allocate((size_t) bytes);
}

JNIEXPORT void JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_free(JNIEnv* env, jclass, jlong address) {
    if (!emu::release((uintptr_t) address)) throwState(env, "free of an address the emulator did not allocate");
}

JNIEXPORT void JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_copyFloatsIn(JNIEnv* env, jclass, jlong address,
                                                                                   jfloatArray src) {
    jsize n = env->GetArrayLength(src);
    if (checkRange(env, address, 4L * n, "a copy to the device")) env->GetFloatArrayRegion(src, 0, n, (jfloat*) address);
}

JNIEXPORT void JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_copyIntsIn(JNIEnv* env, jclass, jlong address,
                                                                                 jintArray src) {
    jsize n = env->GetArrayLength(src);
    if (checkRange(env, address, 4L * n, "a copy to the device")) env->GetIntArrayRegion(src, 0, n, (jint*) address);
}

JNIEXPORT void JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_copyFloatsOut(JNIEnv* env, jclass, jlong address,
                                                                                    jfloatArray dst) {
    jsize n = env->GetArrayLength(dst);
    if (checkRange(env, address, 4L * n, "a copy to the host")) env->SetFloatArrayRegion(dst, 0, n, (const jfloat*) address);
}

// Why this CPU cannot run the library (build.sh adds -mfma where the build machine has FMA), or null.
JNIEXPORT jstring JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_unsupported(JNIEnv* env, jclass) {
#ifdef __FMA__
    if (!__builtin_cpu_supports("fma")) {
        return env->NewStringUTF("it was built for CPUs with FMA instructions and this CPU has none: build it here"
                                 " (mvn package) to get one without");
    }
#endif
    return nullptr;
}

JNIEXPORT jint JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_sharedOptIn(JNIEnv*, jclass) {
    return EMU_SHARED_OPT_IN;
}

// params: the arguments' bytes, each starting at a multiple of 8; sizes: each argument's bytes.
JNIEXPORT jstring JNICALL Java_org_recformer_backend_cuda_EmulatorLibrary_launch(
        JNIEnv* env, jclass, jstring kernel, jintArray geometry, jint sharedBytes, jbyteArray params, jintArray sizes,
        jint workers) {
    const char* name = env->GetStringUTFChars(kernel, nullptr);
    std::string kernelName(name);
    env->ReleaseStringUTFChars(kernel, name);
    jint g[6];
    env->GetIntArrayRegion(geometry, 0, 6, g);
    std::vector<unsigned char> bytes(env->GetArrayLength(params) + 8);
    env->GetByteArrayRegion(params, 0, env->GetArrayLength(params), (jbyte*) bytes.data());
    std::vector<int> argSizes(env->GetArrayLength(sizes));
    env->GetIntArrayRegion(sizes, 0, (jsize) argSizes.size(), argSizes.data());
    std::vector<const unsigned char*> args;
    size_t offset = 0;
    for (int s : argSizes) {
        args.push_back(bytes.data() + offset);
        offset += (s + 7) / 8 * 8;
    }
    unsigned grid[3] = {(unsigned) g[0], (unsigned) g[1], (unsigned) g[2]};
    unsigned block[3] = {(unsigned) g[3], (unsigned) g[4], (unsigned) g[5]};
    std::string error = emu::launch(kernelName, grid, block, sharedBytes, args, argSizes, workers);
    return error.empty() ? nullptr : env->NewStringUTF(error.c_str());
}

}  // extern "C"
