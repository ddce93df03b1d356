// CRC-32C with the processor's own instruction, where it has one (x86-64 with SSE 4.2).
#ifndef SHOPDECK_CRC32C_HARDWARE_H
#define SHOPDECK_CRC32C_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when `shopdeck_crc32c_hardware_update` may be called on this processor.
int shopdeck_crc32c_hardware_available(void);

/// Advances a CRC-32C register over `count` bytes. The register is the running CRC inverted, as in the
/// table-driven code: pass ~crc in and invert what comes back.
uint32_t shopdeck_crc32c_hardware_update(uint32_t state, const void *bytes, size_t count);

#endif
