// An LD_PRELOAD shim for fuzzing the image opener: .NET's NativeMemory.AlignedAlloc, which
// BlocklistImage.FromBytes copies the image into, calls aligned_alloc on Linux. This shim gives each
// 64-byte-aligned allocation of 256 bytes or more (an image is at least its 256-byte header) its own mapping
// that ends exactly at an inaccessible page, so a read one byte past the image faults at once instead of
// reading whatever the heap holds there. Every other allocation goes to glibc unchanged.
//
// The pointer is placed so the block ends at the guard page, which gives up the 64-byte alignment; x86 reads
// do not need it and the image only asks for it to keep buckets on one cache line. For fuzzing only.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *ptr);

enum { MaxBlocks = 1024, GuardAlignment = 64, MinGuardedSize = 256 };

struct block { void *user; void *base; size_t length; };

static struct block blocks[MaxBlocks];
static int live;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *guarded(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = (size + page - 1) / page * page;
    char *base = mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        return NULL;
    }

    if (mprotect(base + data, page, PROT_NONE) != 0) {
        munmap(base, data + page);
        return NULL;
    }

    void *user = base + data - size;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MaxBlocks; i++) {
        if (blocks[i].user == NULL) {
            blocks[i] = (struct block){ user, base, data + page };
            live++;
            pthread_mutex_unlock(&lock);
            return user;
        }
    }

    pthread_mutex_unlock(&lock);
    munmap(base, data + page);
    return NULL; // table full: the caller falls back to glibc
}

static int release(void *ptr)
{
    if (__atomic_load_n(&live, __ATOMIC_RELAXED) == 0) {
        return 0;
    }

    pthread_mutex_lock(&lock);
    for (int i = 0; i < MaxBlocks; i++) {
        if (blocks[i].user == ptr) {
            struct block b = blocks[i];
            blocks[i].user = NULL;
            live--;
            pthread_mutex_unlock(&lock);
            munmap(b.base, b.length);
            return 1;
        }
    }

    pthread_mutex_unlock(&lock);
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    if (alignment == GuardAlignment && size >= MinGuardedSize) {
        void *p = guarded(size);
        if (p != NULL) {
            return p;
        }
    }

    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size)
{
    void *p = aligned_alloc(alignment, size);
    if (p == NULL) {
        return ENOMEM;
    }

    *result = p;
    return 0;
}

void free(void *ptr)
{
    if (ptr != NULL && !release(ptr)) {
        __libc_free(ptr);
    }
}
