// The SSE 4.2 `crc32` instruction computes CRC-32C (the Castagnoli polynomial, reflected) eight bytes per
// instruction. Elsewhere `shopdeck_crc32c_hardware_available` answers 0 and Swift keeps its tables.
#include "CRC32CHardware.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

int shopdeck_crc32c_hardware_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
uint32_t shopdeck_crc32c_hardware_update(uint32_t state, const void *bytes, size_t count) {
    const unsigned char *next = bytes;
    uint64_t wide = state;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, next, 8);  // unaligned loads are fine on x86-64; memcpy says so to the compiler
        wide = __builtin_ia32_crc32di(wide, word);
        next += 8;
        count -= 8;
    }
    uint32_t narrow = (uint32_t)wide;
    while (count > 0) {
        narrow = __builtin_ia32_crc32qi(narrow, *next);
        next += 1;
        count -= 1;
    }
    return narrow;
}

#else

int shopdeck_crc32c_hardware_available(void) { return 0; }

uint32_t shopdeck_crc32c_hardware_update(uint32_t state, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return state;
}

#endif
